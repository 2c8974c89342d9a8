"""The queue's tools: employer search through the blind index, bulk assignment, the CSV export."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from signalement.db.models import AuditEntry, Case, Role
from signalement.officer.workload import guard_cell
from support.cases import submit
from support.officers import sign_in

CODES = re.compile(r'<a href="/officer/cases/[0-9a-f]{32}">([^<]+)</a>')


async def _entries(stack, action: str) -> list[AuditEntry]:  # noqa: ANN001
    async with stack.runtime.db.reading() as session:
        return list((await session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                           .order_by(AuditEntry.seq))).all())


async def test_an_employer_typed_any_way_intake_would_fold_it_finds_its_cases_and_only_them(
    stack, web, staff
) -> None:
    tremblay = await submit(stack, employer="Ferme Tremblay Inc.")
    spelled = await submit(stack, employer="  FERME   TREMBLAY ltée ")
    other = await submit(stack, employer="Serres Lavoie")
    token = await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    r = await web.post("/officer/queue/employer", data={"name": "ferme tremblay", "place": "J0L 1A0",
                                                       "_csrf_token": token})
    assert r.status_code == 303
    target = r.headers["location"]
    # The name never reaches an address (history, access logs): only indexes do.
    assert "tremblay" not in target.lower() and "employer=" in target
    shown = CODES.findall((await web.get(target)).text)
    assert sorted(shown) == sorted([tremblay.case_code, spelled.case_code]) and other.case_code not in shown
    # The index is what intake stored; no clear column is read (there is none to read).
    async with stack.runtime.db.reading() as session:
        stored = await session.scalar(select(Case.employer_index).where(Case.id == tremblay.case_id))
    assert stored and stored.replace(":", "%3A") in target
    nothing = await web.post("/officer/queue/employer", data={"name": "Ferme Tremblé", "place": "J0L 1A0",
                                                             "_csrf_token": token})
    assert CODES.findall((await web.get(nothing.headers["location"])).text) == []
    short = await web.post("/officer/queue/employer", data={"name": " - ", "_csrf_token": token})
    assert short.status_code == 400 and "at least two letters" in short.text


async def test_the_employer_search_needs_the_csrf_token(stack, web, staff) -> None:
    await sign_in(web, stack.runtime, await staff(Role.OFFICER))
    r = await web.post("/officer/queue/employer", data={"name": "Ferme Tremblay"})
    assert r.status_code == 403


async def test_a_supervisor_assigns_many_cases_each_audited_and_an_officer_may_not(stack, web, staff) -> None:
    cases = [await submit(stack) for _ in range(3)]
    officer = await staff(Role.OFFICER)
    token = await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    page = (await web.get("/officer/queue")).text
    assert 'form="bulk-assign"' in page and 'id="bulk-assign"' in page
    before = len(await _entries(stack, "case.assign"))
    r = await web.post("/officer/queue/assign", data={
        "case": [c.case_id for c in cases[:2]] + ["f" * 32], "assignee": str(officer.id), "_csrf_token": token})
    assert r.status_code == 303 and "assigned=2" in r.headers["location"] and "skipped=1" in r.headers["location"]
    notice = (await web.get(r.headers["location"])).text
    assert "2 cases were assigned." in notice and "1 case was left as it was" in notice
    entries = (await _entries(stack, "case.assign"))[before:]
    assert sorted(e.object_id for e in entries) == sorted(c.case_id for c in cases[:2])
    assert all(e.detail["to"] == officer.id for e in entries)
    async with stack.runtime.db.reading() as session:
        assignees = dict((await session.execute(select(Case.id, Case.assignee_id))).all())
    assert [assignees[c.case_id] for c in cases] == [officer.id, officer.id, None]
    # No assignee chosen is refused, not read as "release them all".
    r = await web.post("/officer/queue/assign", data={"case": cases[0].case_id, "_csrf_token": token})
    assert r.status_code == 400
    r = await web.post("/officer/queue/assign", data={"case": cases[0].case_id, "assignee": "none"})
    assert r.status_code == 403  # no CSRF token
    async with stack.runtime.db.reading() as session:
        assert await session.scalar(select(Case.assignee_id).where(Case.id == cases[0].case_id)) == officer.id
    await web.post("/officer/sign-out", data={"_csrf_token": token})
    officer_token = await sign_in(web, stack.runtime, officer)
    assert 'id="bulk-assign"' not in (await web.get("/officer/queue")).text
    r = await web.post("/officer/queue/assign", data={"case": cases[2].case_id, "assignee": "me",
                                                     "_csrf_token": officer_token})
    assert r.status_code == 403


async def test_the_csv_export_is_the_view_as_metadata_audited_and_guarded(stack, web, staff) -> None:
    secret_story, employer = "He keeps our passports in his truck.", "Ferme Secrète"
    wanted = [await submit(stack, narrative=secret_story, employer=employer, danger="yes",
                           categories=("documents", "confinement")) for _ in range(2)]
    elsewhere = await submit(stack, province="ON")
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    page = (await web.get("/officer/queue", params={"province": "QC"})).text
    assert 'href="/officer/queue.csv?province=QC"' in page
    r = await web.get("/officer/queue.csv", params={"province": "QC"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["cache-control"] == "no-store" and "attachment" in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(row["case_code"] for row in table) == sorted(c.case_code for c in wanted)
    assert elsewhere.case_code not in r.text
    row = table[0]
    assert row["urgency"] == "immediate" and row["danger_now"] == "yes" and row["province"] == "QC"
    assert set(row["categories"].split(";")) >= {"documents", "confinement"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["received_on_utc"]) and re.fullmatch(
        r"\d{4}-\d{2}-\d{2}", row["due_on_utc"])
    for clear in (secret_story, "passports", employer, "Secr", "Saint-R", "J0L"):
        assert clear not in r.text
    (entry,) = await _entries(stack, "queue.export")
    assert entry.detail["rows"] == 2 and entry.detail["province"] == "QC" and entry.object_type == "queue"


async def test_an_officer_exports_only_their_own_scope(stack, web, staff) -> None:
    mine, theirs = await submit(stack, province="QC"), await submit(stack, province="BC")
    await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    r = await web.get("/officer/queue.csv", params={"status": "all"})
    assert mine.case_code in r.text and theirs.case_code not in r.text


def test_a_cell_a_spreadsheet_would_run_is_kept_as_text() -> None:
    for evil in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"):
        assert guard_cell(evil) == "'" + evil
    assert guard_cell("QC") == "QC" and guard_cell(None) == "" and guard_cell(3) == "3"


async def test_an_export_larger_than_the_limit_asks_for_a_narrower_filter(stack, web, staff, monkeypatch) -> None:
    from signalement.officer import workload

    for _ in range(3):
        await submit(stack)
    monkeypatch.setattr(workload, "EXPORT_LIMIT", 2)
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    r = await web.get("/officer/queue.csv")
    assert r.status_code == 400 and "more than 2 cases" in r.text
    assert await _entries(stack, "queue.export") == []  # nothing left, nothing logged as sent
