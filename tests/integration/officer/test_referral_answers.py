"""A partner's answer to a referral: recorded on the case page or the API, sealed like a note, shown with its
referral and in the timeline, and audited without its text."""

from __future__ import annotations

import re

from sqlalchemy import select

from signalement.db.models import AuditEntry, Note, Referral, Role
from support.cases import submit
from support.officers import sign_in, sign_in_api

ANSWER = "Constable Roy took the file; a visit to the farm is planned for Tuesday."


async def test_a_partners_answer_is_sealed_shown_with_its_referral_and_in_the_timeline(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC")
    cid = receipt.case_id
    token = await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    await web.post(f"/officer/cases/{cid}/referrals",
                   data={"partner": "police", "referred_on": "2026-11-20", "reference": "", "_csrf_token": token})
    async with stack.runtime.db.reading() as session:
        referral_id = await session.scalar(select(Referral.id).where(Referral.case_id == cid))
    assert referral_id
    page = (await web.get(f"/officer/cases/{cid}")).text
    assert f'action="/officer/cases/{cid}/referrals/{referral_id}/answer"' in page
    r = await web.post(f"/officer/cases/{cid}/referrals/{referral_id}/answer",
                       data={"text": ANSWER, "_csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].endswith("done=answer#referrals-heading")
    page = (await web.get(r.headers["location"])).text
    referrals = page[page.index('id="referrals-heading"'):page.index('id="notes-heading"')]
    assert ANSWER in referrals
    timeline = page[page.index('id="timeline-heading"'):]
    entry = re.search(r"recorded the answer from ([^<]*?)\. <code[^>]*>case.referral_answer</code>(.*?)</td>",
                      timeline, re.S)
    assert entry, timeline[:3000]
    assert "olice" in entry.group(1) and ANSWER in entry.group(2)
    async with stack.runtime.db.reading() as session:
        note = await session.scalar(select(Note).where(Note.case_id == cid, Note.kind == "answer"))
        logged = await session.scalar(select(AuditEntry).where(AuditEntry.action == "case.referral_answer"))
    assert note is not None and note.referral_id == referral_id
    assert b"Constable" not in note.envelope and b"Tuesday" not in note.envelope
    assert logged is not None and logged.detail == {"referral": referral_id, "partner": "police", "note": note.id}


async def test_an_answer_names_a_referral_of_that_case_and_has_text(stack, web, staff) -> None:
    mine, other = await submit(stack, province="QC"), await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    made = await web.post(f"/api/v1/cases/{other.case_id}/referrals",
                          json={"partner": "ohs", "referred_on": "2026-11-21"}, headers={"x-csrftoken": token})
    other_referral = made.json()["id"]
    r = await web.post(f"/api/v1/cases/{mine.case_id}/referrals/{other_referral}/answer", json={"text": ANSWER},
                       headers={"x-csrftoken": token})
    assert r.status_code == 404
    r = await web.post(f"/api/v1/cases/{other.case_id}/referrals/{other_referral}/answer", json={"text": "  "},
                       headers={"x-csrftoken": token})
    assert r.status_code == 400
    r = await web.post(f"/api/v1/cases/{other.case_id}/referrals/{other_referral}/answer", json={"text": ANSWER},
                       headers={"x-csrftoken": token})
    assert r.status_code == 201
    case = (await web.get(f"/api/v1/cases/{other.case_id}")).json()["case"]
    (referral,) = case["referrals"]
    assert [a["text"] for a in referral["answers"]] == [ANSWER] and referral["answers"][0]["kind"] == "answer"
