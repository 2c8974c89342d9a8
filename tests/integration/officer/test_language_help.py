"""Language help on the officer's pages: language names in the officer's language, matched words glossed.

Issue 17 item 4: a Punjabi "he also has our passports" sat with no gloss, and languages were named only
in their own script, the queue's language filter included.
"""

from __future__ import annotations

import re

from signalement.db.models import Role
from signalement.intake import Receipt
from support.cases import submit
from support.officers import form, sign_in

PUNJABI_PASSPORTS = "ਉਸ ਨੇ ਸਾਡੇ ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ ਹੋਏ ਹਨ"


async def _punjabi_case(stack, web, staff) -> tuple[Receipt, str]:  # noqa: ANN001
    """A Punjabi report, and an officer of its region signed in (their CSRF token)."""
    receipt = await submit(stack, narrative=PUNJABI_PASSPORTS, language="pa", categories=("other",))
    return receipt, await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))


def _option_text(page: str, select_id: str, value: str) -> str:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, select_id
    option = re.search(rf'<option value="{value}"[^>]*>([^<]*)</option>', found.group(1))
    assert option, value
    return option.group(1)


async def test_languages_are_named_in_the_officers_language_in_the_queue_and_on_the_case(
    stack, web, staff  # noqa: ANN001
) -> None:
    receipt, token = await _punjabi_case(stack, web, staff)
    queue = (await web.get("/officer/queue")).text
    assert _option_text(queue, "f-language", "pa") == "Punjabi (Gurmukhi) – ਪੰਜਾਬੀ"
    assert _option_text(queue, "f-language", "tl") == "Tagalog"
    assert _option_text(queue, "f-language", "en") == "English"
    assert "Text message, Punjabi" not in queue and "Web, Punjabi (Gurmukhi)</td>" in queue
    case = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert 'Web, Punjabi (Gurmukhi) (<span lang="pa-Guru">ਪੰਜਾਬੀ</span>)' in case

    await web.post("/officer/language", data=form(token, language="fr", next="/officer/queue"))
    queue = (await web.get("/officer/queue")).text
    assert _option_text(queue, "f-language", "pa") == "pendjabi (gourmoukhî) – ਪੰਜਾਬੀ"
    assert _option_text(queue, "f-language", "vi") == "vietnamien – Tiếng Việt"
    assert _option_text(queue, "f-language", "fr") == "français"


async def test_the_punjabi_words_for_held_passports_are_glossed_in_english_and_in_french(
    stack, web, staff  # noqa: ANN001
) -> None:
    receipt, token = await _punjabi_case(stack, web, staff)
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    row = re.search(r"<tr><td><code>pa\.documents\.kept</code>.*?</tr>", page, re.S)
    assert row, page[page.find("triage-heading"):][:2000]
    # The reporter's own spelling (addak and long vowel kept), then the meaning.
    assert ('<span lang="pa-Guru">ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ</span> – <span class="gloss">passport or papers held by '
            "someone else</span>") in row.group(0), row.group(0)
    await web.post("/officer/language", data=form(token, language="fr", next="/officer/queue"))
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert "passeport ou papiers gardés par quelqu&#39;un d&#39;autre" in page


async def test_a_reply_template_is_shown_in_both_languages_and_sent_in_the_reporters(
    stack, web, staff  # noqa: ANN001
) -> None:
    from sqlalchemy import select

    from signalement.db.models import Message
    from signalement.reply_templates import template_text

    receipt, token = await _punjabi_case(stack, web, staff)
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    punjabi = template_text("received", "pa")
    assert 'Start from a template in Punjabi (Gurmukhi)' in page
    assert "We received your report. An officer is reading it." in page
    assert f'<dd lang="pa-Guru">{punjabi}</dd>' in page

    path = f"/officer/cases/{receipt.case_id}/replies"
    r = await web.post(path, data=form(token, template="received", text=""), follow_redirects=False)
    assert r.status_code == 303
    r = await web.post(path, data=form(token, template="more", text="ਪਾਸਪੋਰਟ ਕਿੱਥੇ ਹਨ?"), follow_redirects=False)
    assert r.status_code == 303
    assert (await web.post(path, data=form(token, template="bogus", text="hello"))).status_code == 400
    async with stack.runtime.db.reading() as session:
        count = len((await session.execute(select(Message.id).where(Message.case_id == receipt.case_id))).all())
    assert count == 2
    thread = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert punjabi in thread
    assert f"{template_text('more', 'pa')}\n\nਪਾਸਪੋਰਟ ਕਿੱਥੇ ਹਨ?" in thread

    # A French-speaking officer reads the same templates in French beside the Punjabi.
    await web.post("/officer/language", data=form(token, language="fr", next="/officer/queue"))
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert "Nous avons reçu votre signalement. Un agent est en train de le lire." in page
    assert f'<dd lang="pa-Guru">{punjabi}</dd>' in page


async def test_the_api_sends_a_template_in_the_reporters_language(stack, web, staff) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from signalement.db.models import Message
    from signalement.reply_templates import template_text
    from support.cases import keyring
    from support.officers import sign_in_api

    receipt = await submit(stack, narrative=PUNJABI_PASSPORTS, language="pa", categories=("other",))
    token = await sign_in_api(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    path = f"/api/v1/cases/{receipt.case_id}/replies"
    r = await web.post(path, json={"template": "interpreter", "text": "ਕੱਲ੍ਹ?"}, headers={"x-csrftoken": token})
    assert r.status_code == 201, r.text
    for bad in ({"template": "bogus"}, {"text": ""}, {"template": None}):
        r = await web.post(path, json=bad, headers={"x-csrftoken": token})
        assert r.status_code == 400, (bad, r.status_code)
    ring = await keyring(stack)
    async with stack.runtime.db.reading() as session:
        rows = (await session.execute(select(Message).where(Message.case_id == receipt.case_id))).scalars().all()
    assert [ring.open(m.envelope, case_id=receipt.case_id, field=f"message:{m.id}").decode() for m in rows] == [
        f"{template_text('interpreter', 'pa')}\n\nਕੱਲ੍ਹ?"
    ]
