"""A reporter's own words by SMS are sealed to the directorate as each text arrives: the attacker's side.

The insider holds the database, the blind-index keys, every key in the host's key folder, and the phone
number of a conversation left half-way: everything but the directorate's private key (wrapped under the
officers' passwords). With the number they can open the session row's lockbox; inside they find only
envelopes, and none opens with anything they hold. STOP, cancel and the idle timeout delete the envelopes
with the row. Once the report
is filed, an officer reads the story joined from its parts, in order, as they would a web story, and triage
has read every text.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import func, select, update

from integration.channels.conftest import PUBLIC_URL
from integration.reporter.reporting import build_opener
from signalement.channels import sms_texts as t
from signalement.channels.expiry import forget_expired
from signalement.channels.lockbox import Lockbox
from signalement.channels.sms_sessions import Conversation
from signalement.ciphertext_fields import story_matches_field, story_part_field
from signalement.db.models import Case, CaseField, Role, SmsSession, utcnow
from signalement.triage import categories_from_mask
from support.insiders import private_keys_in, steal_key_folder, try_open
from support.officers import create_officer, sign_in
from support.twilio_webhooks import Phone

WORDS = ["My boss took my passport and keeps it in his truck.", "At night he locks the bunkhouse door."]
EMPLOYER = "Ferme Tremblay"


def _number() -> str:
    return f"+1438555{time.monotonic_ns() % 10000:04d}"


async def _story_so_far(phone: Phone) -> None:
    """A report up to its own words, left there: the conversation is half-way."""
    for body in ("HELP", "9", "2", "ON", EMPLOYER):  # "9": other; the words say what it is
        await phone.text(body)
    for part in WORDS:
        assert await phone.text(part) == [t.text("en", t.STORY_MORE)]


async def _session_state(db: Any, box: Lockbox, number: str) -> bytes:
    index = box.phone_index(number)
    async with db.reading() as s:
        row = await s.get(SmsSession, index)
    assert row is not None, "the conversation should be waiting in its row"
    return box.unlock("sms-session", number, index, row.state)


async def test_an_insider_with_the_database_the_blind_index_keys_and_the_number_reads_no_word(
    tw, tw_client, db, tmp_path: Path
) -> None:
    number = _number()
    phone = Phone(tw_client, PUBLIC_URL, number)
    await _story_so_far(phone)

    # The insider's haul: the database (``db``), the blind-index keys, the key folder, and the number.
    box = Lockbox(tw.settings.key_list("blind_index_keys"))
    keys = private_keys_in(steal_key_folder(tw.settings, tmp_path))
    plain = await _session_state(db, box, number)  # the lockbox opens: they hold all it needs
    for part in WORDS:
        for word in part.split():
            if len(word) > 4:
                assert word.encode() not in plain, word
    assert EMPLOYER.encode() in plain  # the probe works: the answers other than the story are in this state
    state = msgspec.msgpack.decode(plain, type=Conversation)
    assert state.case_id and [p.number for p in state.story] == [1, 2]
    for p in state.story:
        assert not any(r.matched for r in p.reading.reasons)  # what triage read, without the words
        for raw, field in ((p.text, story_part_field(p.number)), (p.matches, story_matches_field(p.number))):
            assert try_open(raw, keys, state.case_id, field) is None, field
    # The same envelopes open for the directorate: they are the words, sealed, not something else.
    opener = await build_opener(tw, db)
    assert [opener.open(p.text, state.case_id, story_part_field(p.number)).decode() for p in state.story] == WORDS

    # STOP: the row goes, and the envelopes with it; nothing of them reached a case.
    assert await phone.text("STOP") == [t.text("en", t.STOPPED)]
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(SmsSession)) == 0
        assert await s.scalar(select(func.count()).select_from(CaseField)) == 0


async def test_the_trained_opinions_weigh_an_sms_story_read_text_by_text(tw, tw_client, db) -> None:
    """A story the rules file as routine, told in two texts: the trained opinions (on by default) read each text
    as it came, and the filed report is raised, with the model's probability and no word in clear. (The category
    opinion reads sexual abuse in it, which is ``immediate`` by policy; the second opinion would raise it too.)"""
    phone = Phone(tw_client, PUBLIC_URL, _number())
    for body in ("HELP", "9", "2", "ON", EMPLOYER):
        await phone.text(body)
    # The probe of tests/unit/triage/test_triage_second_opinion.py: the rules alone file it as routine.
    probe = "the supervisor keeps coming into the girls room late and sits close, he says dont tell the boss"
    for part in ("I clean rooms at the motel.", probe):
        assert await phone.text(part) == [t.text("en", t.STORY_MORE)]
    assert await phone.text("1") == [t.text("en", t.CONTACT)]
    await phone.text("2")
    assert "Sent." in (await phone.text("1"))[0]
    async with db.reading() as s:
        case = await s.scalar(select(Case))
    assert case.urgency == "immediate"
    (reason,) = [r for r in case.triage_reasons if r["rule"] in ("model.second_opinion", "model.category.sexual_abuse")]
    assert reason["concepts"][0].startswith("p=") and not reason.get("matched")


async def test_an_sms_story_opens_for_an_officer_joined_in_order_and_triage_read_every_text(
    tw, tw_client, db
) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await _story_so_far(phone)
    assert await phone.text("1") == [t.text("en", t.CONTACT)]
    assert await phone.text("2") == [t.text("en", t.STORY_COUNT, count=2), t.text("en", t.CONFIRM)]
    assert "Sent." in (await phone.text("1"))[0]
    async with db.reading() as s:
        case = await s.scalar(select(Case))
        names = set((await s.execute(select(CaseField.name).where(CaseField.case_id == case.id))).scalars())
    assert {"narrative:1", "narrative:2", "triage_matches:1", "triage_matches:2"} <= names
    assert "narrative" not in names  # never a clear story to seal whole: it was sealed text by text
    # Triage read each text as it came (answers said only "other"): passport kept, locked in at night.
    assert set(categories_from_mask(case.categories)) == {"documents", "confinement"}
    assert case.urgency == "immediate"
    rules = [r["rule"] for r in case.triage_reasons]
    # The first text also holds the combination "a person with power holds the papers" (the boss, my passport).
    assert rules == ["answer.category", "en.documents.kept", "en.documents.power_holds_papers",
                     "en.confinement.locked"], rules

    supervisor = await create_officer(tw.runtime, tw.admin, Role.SUPERVISOR, region=None)
    await sign_in(tw_client, tw.runtime, supervisor)
    page = await tw_client.get(f"/officer/cases/{case.id}")
    assert page.status_code == 200
    first, second = (page.text.find(html.escape(w, quote=True)) for w in WORDS)
    assert 0 < first < second, (first, second)


async def test_cancel_and_the_idle_timeout_delete_the_sealed_texts_with_the_conversation(tw, tw_client, db) -> None:
    cancelled = Phone(tw_client, PUBLIC_URL, _number())
    await _story_so_far(cancelled)
    for body in ("1", "2"):
        await cancelled.text(body)
    assert await cancelled.text("2") == [t.text("en", t.CANCELLED)]
    forgotten = Phone(tw_client, PUBLIC_URL, _number())
    await _story_so_far(forgotten)
    async with db.writing() as s:  # past the idle timeout: housekeeping's turn
        await s.execute(update(SmsSession).values(delete_after=utcnow() - dt.timedelta(minutes=1)))
        await s.commit()
    await forget_expired(db)
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(SmsSession)) == 0
        assert await s.scalar(select(func.count()).select_from(CaseField)) == 0
        assert await s.scalar(select(func.count()).select_from(Case)) == 0
