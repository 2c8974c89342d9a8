"""Working a case through the JSON API: workflow, assignment, sealed notes and replies, referrals, hold,
overrides, evidence, export, and who may see what."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
from sqlalchemy import select

from signalement import deadlines, triage
from signalement.ciphertext_fields import message_field, note_field
from signalement.db.models import AuditEntry, Case, CaseField, Message, Note, OutboxJob, Role
from signalement.evidence_store import write_evidence
from signalement.intake import IntakeService
from signalement.notify import SMS_JOB, SmsJob
from signalement.worker import Worker
from support.cases import keyring, submit
from support.officers import sign_in, sign_in_api

SECRET_WORDS = "bunkhouse padlock on the outside"  # noqa: S105 - a sentinel, not a password
HOLD = {"on": True, "reason": "Crown counsel file 24-117 asks to keep it", "confirm": True}


async def audit_of(stack, case_id: str) -> list[AuditEntry]:  # noqa: ANN001
    async with stack.runtime.db.reading() as session:
        return list(
            (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.object_id == case_id).order_by(AuditEntry.seq)
                )
            ).scalars()
        )


async def api(web, token: str, method: str, path: str, body: object = None):  # noqa: ANN001, ANN201
    return await web.request(method, path, json=body, headers={"x-csrftoken": token})


async def test_a_case_goes_from_new_to_closed_and_every_step_is_audited(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC", narrative=f"They put a {SECRET_WORDS}.")
    token = await sign_in_api(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    cid = receipt.case_id
    r = await api(web, token, "GET", f"/api/v1/cases/{cid}")
    assert r.status_code == 200 and SECRET_WORDS in r.json()["case"]["narrative"]
    assert r.json()["case"]["summary"]["next_statuses"] == ["triaged", "closed"]  # workflow order
    for step in ("triaged", "assessing", "inspection", "referred"):
        r = await api(web, token, "POST", f"/api/v1/cases/{cid}/status", {"to": step})
        assert r.status_code == 200 and r.json()["case"]["status"] == step
    r = await api(web, token, "POST", f"/api/v1/cases/{cid}/status", {"to": "closed"})
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    r = await api(
        web, token, "POST", f"/api/v1/cases/{cid}/status", {"to": "closed", "outcome": "substantiated"}
    )
    assert r.status_code == 200 and r.json()["case"]["status"] == "closed"
    assert r.json()["case"]["outcome"] == "substantiated" and r.json()["case"]["next_statuses"] == []
    # Closing moved every sealed value to the retention epoch and set the purge date.
    async with stack.runtime.db.reading() as session:
        case = await session.get(Case, cid)
        keys = set(
            (await session.execute(select(CaseField.key_id).where(CaseField.case_id == cid))).scalars()
        )
    assert not case.is_open and case.purge_after is not None and case.closed_at is not None
    assert keys and all(k.startswith("r") for k in keys), keys
    assert (
        (await api(web, token, "GET", f"/api/v1/cases/{cid}"))
        .json()["case"]["narrative"]
        .endswith("outside.")
    )
    # Closed is final, and a closed case takes no notes.
    assert (
        await api(web, token, "POST", f"/api/v1/cases/{cid}/status", {"to": "assessing"})
    ).status_code == 409
    assert (await api(web, token, "POST", f"/api/v1/cases/{cid}/notes", {"text": "late"})).status_code == 409
    entries = await audit_of(stack, cid)
    assert [e.action for e in entries].count("case.open") == 2
    steps = [(e.detail["from"], e.detail["to"]) for e in entries if e.action == "case.status"]
    assert steps == [
        ("new", "triaged"),
        ("triaged", "assessing"),
        ("assessing", "inspection"),
        ("inspection", "referred"),
        ("referred", "closed"),
    ]
    assert all(SECRET_WORDS not in str(e.detail) for e in entries)


async def test_an_officer_sees_their_region_and_their_own_cases_and_nothing_else(
    stack, web, staff, make_client
) -> None:
    quebec = await submit(stack, province="QC")
    ontario = await submit(stack, province="ON")
    officer = await staff(Role.OFFICER, region="quebec")
    token = await sign_in_api(web, stack.runtime, officer)
    assert (await api(web, token, "GET", f"/api/v1/cases/{quebec.case_id}")).status_code == 200
    r = await api(web, token, "GET", f"/api/v1/cases/{ontario.case_id}")
    assert r.status_code == 404  # not 403: another region's case does not admit it exists
    assert (await api(web, token, "GET", f"/api/v1/cases/{'0' * 32}")).json() == r.json()
    listed = {c["id"] for c in (await api(web, token, "GET", "/api/v1/cases?status=all")).json()["cases"]}
    assert quebec.case_id in listed and ontario.case_id not in listed
    # Once a supervisor assigns the Ontario case to them, they see it.
    async with make_client() as boss:
        boss_token = await sign_in_api(boss, stack.runtime, await staff(Role.SUPERVISOR, region=None))
        r = await api(
            boss, boss_token, "PUT", f"/api/v1/cases/{ontario.case_id}/assignee", {"officer_id": officer.id}
        )
        assert r.status_code == 200 and r.json()["case"]["assignee_id"] == officer.id
    assert (await api(web, token, "GET", f"/api/v1/cases/{ontario.case_id}")).status_code == 200
    # An officer takes and releases only for themselves.
    assert (
        await api(
            web, token, "PUT", f"/api/v1/cases/{quebec.case_id}/assignee", {"officer_id": officer.id + 1000}
        )
    ).status_code == 403
    assert (
        await api(web, token, "PUT", f"/api/v1/cases/{quebec.case_id}/assignee", {"officer_id": officer.id})
    ).status_code == 200
    assert (
        await api(web, token, "PUT", f"/api/v1/cases/{quebec.case_id}/assignee", {"officer_id": None})
    ).json()["case"]["assignee_id"] is None


async def test_notes_are_sealed_and_never_reach_the_reporter(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff())
    r = await api(
        web, token, "POST", f"/api/v1/cases/{receipt.case_id}/notes", {"text": f"Check the {SECRET_WORDS}"}
    )
    assert r.status_code == 201
    note_id = r.json()["id"]
    async with stack.runtime.db.reading() as session:
        note = await session.get(Note, note_id)
    assert SECRET_WORDS.encode() not in note.envelope
    ring = await keyring(stack)
    assert (
        SECRET_WORDS in ring.open(note.envelope, case_id=receipt.case_id, field=note_field(note_id)).decode()
    )
    access = await IntakeService(stack.runtime).open_followup(receipt.case_code, receipt.secret, "test")
    _, thread = await IntakeService(stack.runtime).thread(access)
    assert thread == []
    shown = (await api(web, token, "GET", f"/api/v1/cases/{receipt.case_id}")).json()["case"]["notes"]
    assert [n["text"] for n in shown] == [f"Check the {SECRET_WORDS}"]


async def test_a_reply_is_sealed_to_both_sides_and_texted_through_the_outbox(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC", phone="+15145550199", language="es")
    token = await sign_in_api(web, stack.runtime, await staff())
    r = await api(
        web, token, "POST", f"/api/v1/cases/{receipt.case_id}/replies", {"text": "Gracias. Le llamamos."}
    )
    assert r.status_code == 201
    message_id = r.json()["id"]
    async with stack.runtime.db.reading() as session:
        message = await session.get(Message, message_id)
        job = await session.scalar(select(OutboxJob).where(OutboxJob.kind == SMS_JOB))
    assert message.author == "officer" and b"Gracias" not in message.envelope
    ring = await keyring(stack)
    assert (
        ring.open(message.envelope, case_id=receipt.case_id, field=message_field(message_id))
        == b"Gracias. Le llamamos."
    )
    access = await IntakeService(stack.runtime).open_followup(receipt.case_code, receipt.secret, "test")
    _, thread = await IntakeService(stack.runtime).thread(access)
    assert [(m.author, m.text) for m in thread] == [("officer", "Gracias. Le llamamos.")]
    # The texted notice is sealed to the worker: number and language only, never the reply.
    assert job is not None and job.dedupe_key == f"sms:{message_id}" and b"+1514" not in job.payload
    sms = msgspec.msgpack.decode(
        Worker(stack.runtime).open_payload(job, f"{SMS_JOB}:{job.dedupe_key}"), type=SmsJob
    )
    assert sms == SmsJob(to="+15145550199", language="es")
    [entry] = [e for e in await audit_of(stack, receipt.case_id) if e.action == "case.reply"]
    # A reply is the case's first response (``deadlines``): the entry says it met that deadline.
    assert entry.detail == {"message": message_id, "sms": True, "first_response": True}


async def test_a_reply_to_a_reporter_who_chose_the_web_queues_no_text(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff())
    assert (
        await api(web, token, "POST", f"/api/v1/cases/{receipt.case_id}/replies", {"text": "Hi"})
    ).status_code == 201
    async with stack.runtime.db.reading() as session:
        assert await session.scalar(select(OutboxJob).where(OutboxJob.kind == SMS_JOB)) is None


async def test_an_override_keeps_the_automatic_decision_moves_the_deadline_and_seals_the_why(
    stack, web, staff
) -> None:
    receipt = await submit(stack, province="QC", categories=("wages",), narrative="They paid less.")
    token = await sign_in_api(web, stack.runtime, await staff())
    before = (await api(web, token, "GET", f"/api/v1/cases/{receipt.case_id}")).json()["case"]["summary"]
    assert before["urgency"] == "standard"
    r = await api(
        web,
        token,
        "PUT",
        f"/api/v1/cases/{receipt.case_id}/triage",
        {
            "categories": ["wages", "documents"],
            "urgency": "high",
            "reason": "reporter_clarified",
            "explanation": f"Passport kept in the {SECRET_WORDS}",
        },
    )
    assert r.status_code == 200
    after = r.json()["case"]
    assert after["urgency"] == "high" and after["auto_urgency"] == "standard"
    assert after["categories"] == ["wages", "documents"] and after["auto_categories"] == ["wages"]
    async with stack.runtime.db.reading() as session:
        case = await session.get(Case, receipt.case_id)
        note = await session.scalar(
            select(Note).where(Note.case_id == receipt.case_id, Note.kind == "override")
        )
    # The first-response deadline follows the new urgency; the override is that response, so the case
    # now works against its resolution target (``deadlines``).
    assert case.first_response_due_at == triage.sla_due_for(stack.settings, "high", case.received_at)
    assert case.first_response_at is not None
    assert case.sla_due_at == deadlines.resolution_due(stack.settings, "high", case.received_at)
    assert case.auto_urgency == "standard" and case.auto_categories == triage.category_mask(["wages"])
    assert note is not None and SECRET_WORDS.encode() not in note.envelope
    [entry] = [e for e in await audit_of(stack, receipt.case_id) if e.action == "case.override"]
    assert entry.detail["reason"] == "reporter_clarified" and entry.detail["urgency_to"] == "high"
    assert SECRET_WORDS not in str(entry.detail) and "Passport" not in str(entry.detail)
    same = {"categories": ["wages", "documents"], "urgency": "high", "reason": "other"}
    assert (await api(web, token, "PUT", f"/api/v1/cases/{receipt.case_id}/triage", same)).status_code == 409


async def test_referrals_are_recorded_and_legal_hold_is_for_supervisors(
    stack, web, staff, make_client
) -> None:
    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff())
    r = await api(
        web,
        token,
        "POST",
        f"/api/v1/cases/{receipt.case_id}/referrals",
        {"partner": "ohs", "referred_on": "2026-11-20", "reference": "CNESST-4471"},
    )
    assert r.status_code == 201
    shown = (await api(web, token, "GET", f"/api/v1/cases/{receipt.case_id}")).json()["case"]["referrals"]
    assert [(x["partner"], x["referred_on"], x["reference"]) for x in shown] == [
        ("ohs", "2026-11-20", "CNESST-4471")
    ]
    assert (
        await api(web, token, "PUT", f"/api/v1/cases/{receipt.case_id}/legal-hold", HOLD)
    ).status_code == 403
    async with make_client() as boss:
        boss_token = await sign_in_api(boss, stack.runtime, await staff(Role.SUPERVISOR, region=None))
        r = await api(boss, boss_token, "PUT", f"/api/v1/cases/{receipt.case_id}/legal-hold", HOLD)
        assert r.status_code == 200 and r.json()["case"]["legal_hold"] is True
        r = await api(
            boss,
            boss_token,
            "POST",
            f"/api/v1/cases/{receipt.case_id}/status",
            {"to": "closed", "outcome": "duplicate"},
        )
        assert r.status_code == 200
    async with stack.runtime.db.reading() as session:
        case = await session.get(Case, receipt.case_id)
        keys = set(
            (
                await session.execute(select(CaseField.key_id).where(CaseField.case_id == receipt.case_id))
            ).scalars()
        )
    assert case.legal_hold and case.purge_after is None and all(k.startswith("h") for k in keys)


@pytest.mark.parametrize(
    ("content_type", "disposition"), [("image/jpeg", "inline"), ("application/pdf", "attachment")]
)
async def test_evidence_is_decrypted_on_demand_with_the_right_headers_and_audited(
    stack, web, staff, content_type: str, disposition: str
) -> None:
    receipt = await submit(stack, province="QC")
    body = b"%PDF-1.7 fake" if content_type == "application/pdf" else b"\xff\xd8\xff\xe0fakejpeg" * 5000
    async with stack.runtime.db.writing() as session:
        row = await write_evidence(
            session,
            stack.runtime.public_keys.current,
            case_id=receipt.case_id,
            attached=True,
            body=[body[:70000], body[70000:]],
            kind="image",
            content_type=content_type,
            size=len(body),
        )
        await session.commit()
    await sign_in(web, stack.runtime, await staff())
    r = await web.get(f"/officer/cases/{receipt.case_id}/evidence/{row.id}")
    assert r.status_code == 200 and r.content == body
    assert r.headers["content-type"].startswith(content_type)
    assert r.headers["content-disposition"].startswith(disposition)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert (await web.get(f"/officer/cases/{receipt.case_id}/evidence/{'0' * 32}")).status_code == 404
    views = [e for e in await audit_of(stack, receipt.case_id) if e.action == "evidence.view"]
    assert [e.detail for e in views] == [{"evidence": row.id}]


async def test_the_export_is_marked_protected_b_top_and_bottom_and_audited(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC", narrative=SECRET_WORDS)
    await sign_in(web, stack.runtime, await staff())
    r = await web.get(f"/officer/cases/{receipt.case_id}/export")
    assert r.status_code == 200 and SECRET_WORDS in r.text
    assert r.text.count("PROTECTED B") == 2
    assert r.text.index("protected-top") < r.text.index(SECRET_WORDS) < r.text.index("protected-bottom")
    assert [e.action for e in await audit_of(stack, receipt.case_id)] == ["case.export"]


async def test_related_cases_show_the_employer_cluster_and_likely_duplicates(stack, web, staff) -> None:
    first = await submit(stack, province="QC", employer="Serres Lumière", categories=("wages",))
    second = await submit(stack, province="QC", employer="Serres Lumière", categories=("wages",))
    other = await submit(stack, province="QC", employer="Autre Ferme", categories=("housing",))
    token = await sign_in_api(web, stack.runtime, await staff())
    related = (await api(web, token, "GET", f"/api/v1/cases/{first.case_id}")).json()["related"]
    assert [c["id"] for c in related["cluster"]] == [second.case_id] and related["cluster_size"] == 1
    duplicates = {c["id"]: c["likelihood"] for c in related["duplicates"]}
    assert second.case_id in duplicates and duplicates[second.case_id] >= 0.5
    assert other.case_id not in duplicates


async def test_every_look_at_a_case_is_audited_before_it_is_shown(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff())
    for _ in range(3):
        assert (await api(web, token, "GET", f"/api/v1/cases/{receipt.case_id}")).status_code == 200
    opens = [e for e in await audit_of(stack, receipt.case_id) if e.action == "case.open"]
    assert len(opens) == 3 and all(e.detail == {"via": "api"} for e in opens)
    assert all(e.at <= dt.datetime.now(dt.UTC) for e in opens)
