"""Deadlines that follow the work (issue 17, item 6): first response, then resolution; waiting stops the clock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from signalement.db.models import Case, Role, utcnow
from signalement.intake import IntakeService
from signalement.officer.queue import queue_counts
from signalement.staff.access import Principal, Stage
from support.cases import submit
from support.officers import sign_in, sign_in_api


async def api(web, token: str, method: str, path: str, body: object = None):  # noqa: ANN001, ANN201
    return await web.request(method, path, json=body, headers={"x-csrftoken": token})


async def summary(web, token: str, cid: str) -> dict[str, object]:  # noqa: ANN001
    r = await api(web, token, "GET", f"/api/v1/cases/{cid}")
    assert r.status_code == 200, r.text
    return r.json()["case"]["summary"]


def at(value: object) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@pytest.mark.both_databases
async def test_triage_and_a_police_referral_no_longer_show_the_first_response_deadline(stack, web, staff) -> None:
    """The issue's scenario: New -> Triaged -> Assessing, then a police referral, still said "in 23 hours"."""
    receipt = await submit(stack, danger="yes", categories=("confinement", "physical_abuse"))
    cid = receipt.case_id
    login = await staff(Role.OFFICER, region="quebec")
    token = await sign_in_api(web, stack.runtime, login)
    s = await summary(web, token, cid)
    assert s["urgency"] == "immediate" and s["clock"] == "first_response" and s["first_response_at"] is None
    first_due = at(s["sla_due_at"])
    # Reading, assigning and a note are work, but not a response the reporter gets anything from.
    assert (await api(web, token, "PUT", f"/api/v1/cases/{cid}/assignee", {"officer_id": login.id})
            ).status_code == 200, "assign"
    assert (await api(web, token, "POST", f"/api/v1/cases/{cid}/notes", {"text": "call back"})).status_code == 201
    s = await summary(web, token, cid)
    assert s["first_response_at"] is None and at(s["sla_due_at"]) == first_due

    assert (await api(web, token, "POST", f"/api/v1/cases/{cid}/status", {"to": "triaged"})).status_code == 200
    s = await summary(web, token, cid)
    assert s["clock"] == "resolution" and s["first_response_at"] is not None
    assert at(s["first_response_due_at"]) == first_due  # kept, for research and the record
    assert at(s["sla_due_at"]) > first_due + dt.timedelta(days=7)  # the resolution target, not 24 hours
    assert (await api(web, token, "POST", f"/api/v1/cases/{cid}/status", {"to": "assessing"})).status_code == 200
    r = await api(web, token, "POST", f"/api/v1/cases/{cid}/referrals",
                  {"partner": "police", "referred_on": dt.date.today().isoformat(), "reference": ""})
    assert r.status_code == 201, r.text
    assert (await api(web, token, "POST", f"/api/v1/cases/{cid}/status", {"to": "referred"})).status_code == 200
    s = await summary(web, token, cid)
    assert s["clock"] == "stopped" and s["waiting_for"] == "partner" and s["breached"] is False

    html_client_token = await sign_in(web, stack.runtime, login)
    assert html_client_token
    page = (await web.get(f"/officer/cases/{cid}")).text
    assert "in 23 hours" not in page and "in 24 hours" not in page
    assert "Clock stopped" in page and "Waiting for a partner" in page
    assert "This met the first-response deadline." in page  # the timeline says which action met it
    queue = (await web.get("/officer/queue")).text
    assert "Waiting for a partner" in queue
    # The case page reads in the officer's zone (Quebec: Eastern time); the printable summary in UTC.
    assert " UTC" not in page and (" EST" in page or " EDT" in page)
    export = (await web.get(f"/officer/cases/{cid}/export")).text
    assert "Clock stopped" in export and "First response made" in export and " UTC" in export

    # Leaving "Referred" restarts the clock, and the time spent waiting moved the target.
    assert (await api(web, html_client_token, "POST", f"/api/v1/cases/{cid}/status", {"to": "inspection"})
            ).status_code == 200
    s = await summary(web, html_client_token, cid)
    assert s["clock"] == "resolution" and s["waiting_for"] is None


@pytest.mark.both_databases
async def test_a_case_waiting_for_the_reporter_is_not_breached_and_gets_its_waiting_time_back(
    stack, web, staff
) -> None:
    receipt = await submit(stack)
    cid = receipt.case_id
    login = await staff(Role.SUPERVISOR, region=None)
    token = await sign_in_api(web, stack.runtime, login)
    assert (await api(web, token, "POST", f"/api/v1/cases/{cid}/replies", {"text": "Are you safe?"})
            ).status_code == 201
    s = await summary(web, token, cid)
    assert s["clock"] == "resolution"  # a reply is a first response
    assert (await api(web, token, "PUT", f"/api/v1/cases/{cid}/waiting", {"waiting_for": "reporter"})
            ).status_code == 200
    # Make it look long overdue and long waited: it is still not late, because the clock is stopped.
    now = utcnow()
    async with stack.runtime.db.writing() as session:
        await session.execute(update(Case).where(Case.id == cid).values(
            sla_due_at=now - dt.timedelta(days=3), waiting_since=now - dt.timedelta(days=5)))
        await session.commit()
    principal = Principal(officer_id=login.id, username=login.username, display_name="x",
                          role=Role.SUPERVISOR, region=None, stage=Stage.READY)
    async with stack.runtime.db.reading() as session:
        assert (await queue_counts(session, principal)).breached == 0
    r = await web.get("/api/v1/cases", params={"breached": "true"})
    assert cid not in {c["id"] for c in r.json()["cases"]}
    row = next(c for c in (await web.get("/api/v1/cases")).json()["cases"] if c["id"] == cid)
    assert row["breached"] is False and row["waiting_for"] == "reporter"
    assert (await summary(web, token, cid))["breached"] is False

    # The clock restarts: the five days of waiting are added to the target.
    assert (await api(web, token, "PUT", f"/api/v1/cases/{cid}/waiting", {"waiting_for": None})).status_code == 200
    s = await summary(web, token, cid)
    assert s["clock"] == "resolution" and s["waiting_for"] is None
    async with stack.runtime.db.reading() as session:
        case = await session.get(Case, cid)
        assert case is not None and case.paused_seconds >= 5 * 86400 - 5
    # Waiting for nothing again is a 409 that says so, not a silent success.
    r = await api(web, token, "PUT", f"/api/v1/cases/{cid}/waiting", {"waiting_for": None})
    assert r.status_code == 409


async def test_an_interpreter_request_runs_its_own_clock_and_is_late_when_it_is_late(stack, web, staff) -> None:
    receipt = await submit(stack, language="pa", categories=("wages",), narrative="They do not pay overtime.")
    cid = receipt.case_id
    login = await staff(Role.SUPERVISOR, region=None)
    token = await sign_in_api(web, stack.runtime, login)
    before = await summary(web, token, cid)
    r = await api(web, token, "PUT", f"/api/v1/cases/{cid}/waiting", {"waiting_for": "interpreter"})
    assert r.status_code == 200
    s = r.json()["case"]
    assert s["clock"] == "interpreter" and s["first_response_at"] is None  # asking for help is not a response
    due = at(s["sla_due_at"])
    assert abs(due - (utcnow() + dt.timedelta(hours=stack.settings.sla_interpreter_hours))) < dt.timedelta(minutes=2)
    assert due != at(before["sla_due_at"])
    async with stack.runtime.db.writing() as session:
        await session.execute(update(Case).where(Case.id == cid).values(sla_due_at=utcnow() - dt.timedelta(hours=1)))
        await session.commit()
    assert (await summary(web, token, cid))["breached"] is True  # an interpreter owed and late is late
    page_token = await sign_in(web, stack.runtime, login)
    assert page_token
    page = (await web.get(f"/officer/cases/{cid}")).text
    assert "Interpreter due" in page and "Interpreter requested" in page


async def test_the_reporter_answering_restarts_the_clock_that_waited_for_them(stack, web, staff) -> None:
    receipt = await submit(stack, categories=("wages",), narrative="No overtime pay.")
    cid = receipt.case_id
    token = await sign_in_api(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    assert (await api(web, token, "POST", f"/api/v1/cases/{cid}/replies", {"text": "Which weeks?"})).status_code == 201
    assert (await api(web, token, "PUT", f"/api/v1/cases/{cid}/waiting", {"waiting_for": "reporter"})
            ).status_code == 200
    async with stack.runtime.db.reading() as session:
        since = (await session.get(Case, cid)).waiting_since  # type: ignore[union-attr]
    assert since is not None
    intake = IntakeService(stack.runtime)
    access = await intake.open_followup(receipt.case_code, receipt.secret, "test-client")
    assert access is not None
    assert await intake.add_message(access, "May and June.", channel="web")
    s = await summary(web, token, cid)
    assert s["waiting_for"] is None and s["clock"] == "resolution"
    async with stack.runtime.db.reading() as session:
        case = await session.get(Case, cid)
        # Ended at the hour, like every reporter time: the paused time does not tell when they wrote.
        assert case is not None and case.waiting_since is None
        ended = since + dt.timedelta(seconds=case.paused_seconds + 1)  # whole seconds, rounded down
        assert case.paused_seconds == 0 or (ended.minute, ended.second) == (0, 0)
