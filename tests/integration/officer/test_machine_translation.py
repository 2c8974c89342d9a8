"""Machine translation on the case page, against a LibreTranslate-style server on 127.0.0.1.

Off by default; when on, shown on demand and labelled as machine translation, audited before any word
leaves, never stored (no row, no file, no log line holds the translation) and calm when the server fails.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import msgspec
import pytest
from sqlalchemy import select

from signalement.app import create_app
from signalement.db.models import AuditEntry, Message, Role
from signalement.runtime import Runtime
from support.cases import submit, submit_sealed_story
from support.officers import form, sign_in
from support.privacy import files_under
from support.translation_peer import FakeLibreTranslate, fake_translation

from .conftest import http_client

STORY = "ਉਸ ਨੇ ਸਾਡੇ ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ ਹੋਏ ਹਨ। ਮਾਲਕ ਕਹਿੰਦਾ ਹੈ ਕਿ ਵਾਪਸ ਭੇਜ ਦੇਵੇਗਾ।"
LABEL = "Machine translation: it can be wrong, and it is not kept."


@pytest.fixture
async def peer() -> AsyncIterator[FakeLibreTranslate]:
    with FakeLibreTranslate(delay=10) as server:
        yield server


@pytest.fixture
async def translating(stack, peer) -> AsyncIterator[SimpleNamespace]:  # noqa: ANN001
    """The test's stack with machine translation turned on, pointed at the peer (1 s timeout)."""
    settings = msgspec.structs.replace(stack.settings, translation_url=peer.base_url, translation_timeout_seconds=1.0)
    runtime = Runtime(settings)
    try:
        yield SimpleNamespace(settings=settings, runtime=runtime, app=create_app(settings, runtime=runtime),
                              admin=stack.admin)
    finally:
        await runtime.close()


async def _translate(web, token: str, case_id: str, part: str = "narrative"):  # noqa: ANN001, ANN202
    return await web.post(f"/officer/cases/{case_id}/translation", data=form(token, part=part))


async def test_machine_translation_is_off_by_default(stack, web, staff) -> None:  # noqa: ANN001
    receipt = await submit(stack, narrative=STORY, language="pa")
    token = await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert "/translation" not in page and "Machine-translate" not in page
    assert (await _translate(web, token, receipt.case_id)).status_code == 404


async def test_the_story_is_translated_on_demand_labelled_audited_and_never_stored(
    translating, peer, staff, caplog  # noqa: ANN001
) -> None:
    caplog.set_level(logging.INFO)
    receipt = await submit(translating, narrative=STORY, language="pa")
    app = translating.app  # building the app installs our log handler in place of every other: capture again
    logging.getLogger().addHandler(caplog.handler)
    async with http_client(app) as web:
        token = await sign_in(web, translating.runtime, await staff(Role.OFFICER, region="quebec"))
        page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
        assert "Machine-translate the story into English" in page
        assert peer.received == []  # nothing leaves before an officer asks

        r = await _translate(web, token, receipt.case_id)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        expected = fake_translation(STORY, "en")
        assert LABEL in r.text and expected in r.text and STORY in r.text
        assert re.search(r'class="story machine-translation" lang="en"', r.text)
        assert peer.received == [{"path": "/translate", "q": STORY, "source": "pa", "target": "en", "format": "text"}]

        # In French, into French.
        await web.post("/officer/language", data=form(token, language="fr", next="/officer/queue"))
        r = await _translate(web, token, receipt.case_id)
        assert fake_translation(STORY, "fr") in r.text and "Traduction automatique" in r.text
        assert peer.received[-1]["target"] == "fr"
        # The timeline tells it as a sentence, in the reader's language.
        timeline = (await web.get(f"/officer/cases/{receipt.case_id}")).text.split('<table class="timeline">')[1]
        assert "a demandé une traduction automatique du récit en anglais." in timeline
        assert "a demandé une traduction automatique du récit en français." in timeline

    async with translating.runtime.db.reading() as session:
        entries = (await session.execute(select(AuditEntry).where(AuditEntry.action == "case.translate")
                                          .order_by(AuditEntry.seq))).scalars().all()
    assert [e.detail for e in entries] == [
        {"part": "narrative", "target": "en", "provider": "libretranslate"},
        {"part": "narrative", "target": "fr", "provider": "libretranslate"},
    ]
    stored = b"".join(files_under(Path(translating.settings.data_dir)).values())
    logging.getLogger("signalement.test").info("probe")  # the capture sees what the app logs
    logging.getLogger().removeHandler(caplog.handler)
    assert "probe" in caplog.text, "the log search would be blind"
    for text in (expected, fake_translation(STORY, "fr")):
        assert text.encode() not in stored
        assert text not in caplog.text


async def test_a_message_is_translated_and_nothing_outside_the_officers_scope_is_sent(
    translating, peer, staff  # noqa: ANN001
) -> None:
    receipt = await submit(translating, narrative=STORY, language="pa")
    other = await submit(translating, narrative="Another story", language="pa")
    async with http_client(translating.app) as web:
        token = await sign_in(web, translating.runtime, await staff(Role.OFFICER, region="quebec"))
        await web.post(f"/officer/cases/{other.case_id}/replies", data=form(token, text="ਤੁਸੀਂ ਸੁਰੱਖਿਅਤ ਹੋ?"))
        async with translating.runtime.db.reading() as session:
            message_id = await session.scalar(select(Message.id).where(Message.case_id == other.case_id))
        r = await _translate(web, token, other.case_id, f"message:{message_id}")
        assert r.status_code == 200 and fake_translation("ਤੁਸੀਂ ਸੁਰੱਖਿਅਤ ਹੋ?", "en") in r.text
        assert (await _translate(web, token, receipt.case_id, f"message:{message_id}")).status_code == 404
        assert (await _translate(web, token, receipt.case_id, "answers")).status_code == 404
    sent = len(peer.received)
    # An officer of another region cannot have a Quebec case's story or messages translated, nor learn they exist.
    async with http_client(translating.app) as web:
        token = await sign_in(web, translating.runtime, await staff(Role.OFFICER, region="western"))
        assert (await _translate(web, token, receipt.case_id)).status_code == 404
        assert (await _translate(web, token, other.case_id, f"message:{message_id}")).status_code == 404
    assert len(peer.received) == sent


@pytest.mark.parametrize("mode", ["slow", "error"])
async def test_a_slow_or_failing_server_gives_a_calm_page_with_the_original(
    translating, peer, staff, mode  # noqa: ANN001
) -> None:
    peer.mode = mode
    receipt = await submit(translating, narrative=STORY, language="pa")
    async with http_client(translating.app) as web:
        token = await sign_in(web, translating.runtime, await staff(Role.OFFICER, region="quebec"))
        r = await _translate(web, token, receipt.case_id)
    assert r.status_code == 200
    assert "The translation server did not answer in time or could not translate this text." in r.text
    assert STORY in r.text and "machine-translation\" lang" not in r.text
    retry = r'<input type="hidden" name="part" value="narrative">\s*<p><button[^>]*>Try again</button>'
    assert re.search(retry, r.text)


async def test_a_story_sealed_text_by_text_by_sms_is_translated_whole_in_order(translating, peer, staff) -> None:  # noqa: ANN001
    parts = STORY.split("। ")
    receipt = await submit_sealed_story(translating, [parts[0] + "।", parts[1]], language="pa")
    async with http_client(translating.app) as web:
        token = await sign_in(web, translating.runtime, await staff(Role.OFFICER, region="quebec"))
        r = await _translate(web, token, receipt.case_id)
    joined = f"{parts[0]}।\n\n{parts[1]}"
    assert r.status_code == 200 and fake_translation(joined, "en") in r.text
    assert peer.received[-1]["q"] == joined
