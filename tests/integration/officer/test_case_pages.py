"""The case page as an officer uses it: what the forms offer, and what a mistake says back."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from sqlalchemy import select

from signalement.db.models import AuditEntry, Case, Note, Role
from support.cases import submit
from support.officers import form, sign_in
from support.privacy import files_under


def _options(page: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, select_id
    return re.findall(r'<option value="([^"]*)"', found.group(1))


async def test_move_to_offers_the_next_step_first_and_closed_last(stack, web, staff) -> None:  # noqa: ANN001
    receipt = await submit(stack, province="QC")
    await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert _options(page, "to") == ["triaged", "closed"]


async def test_each_status_mistake_says_what_went_wrong_and_what_to_do(stack, web, staff) -> None:  # noqa: ANN001
    receipt = await submit(stack, province="QC")
    token = await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    path = f"/officer/cases/{receipt.case_id}/status"

    async def mistake(**fields: str) -> str:
        r = await web.post(path, data=form(token, **fields), follow_redirects=False)
        assert r.status_code == 409, r.status_code
        found = re.search(r'<p class="explanation">(.*?)</p>', r.text, re.S)
        assert found, r.text[:800]
        return found.group(1)

    missing = await mistake(to="closed")
    assert "choose its outcome" in missing
    extra = await mistake(to="triaged", outcome="duplicate")
    assert "only for closing" in extra and "Triaged" in extra
    skipped = await mistake(to="inspection")
    assert "cannot move to" in skipped and "Inspection opened" in skipped
    assert len({missing, extra, skipped}) == 3
    assert "does not fit the case" not in missing + extra + skipped
    # In French, the same mistakes in French.
    await web.post("/officer/language", data=form(token, language="fr", next="/officer/queue"))
    r = await web.post(path, data=form(token, to="closed"), follow_redirects=False)
    assert r.status_code == 409 and '<html lang="fr"' in r.text
    assert "résultat" in r.text and "choose its outcome" not in r.text
    # Nothing moved.
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert _options(page, "to") == ["triaged", "closed"]


async def test_the_api_names_each_status_mistake_in_its_problem_detail(stack, web, staff) -> None:  # noqa: ANN001
    from support.officers import sign_in_api

    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    details = []
    for body in ({"to": "closed"}, {"to": "triaged", "outcome": "duplicate"}, {"to": "inspection"}):
        r = await web.post(f"/api/v1/cases/{receipt.case_id}/status", json=body, headers={"x-csrftoken": token})
        assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
        details.append(r.json()["detail"])
    assert len(set(details)) == 3, details
    assert "outcome" in details[0]


async def test_a_legal_hold_needs_a_reason_and_a_confirmation_and_the_reason_is_sealed(
    stack, web, staff  # noqa: ANN001
) -> None:
    receipt = await submit(stack, province="QC")
    token = await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    path = f"/officer/cases/{receipt.case_id}/legal-hold"
    reason = f"Crown file {secrets.token_hex(6)} asks to keep it"
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert re.search(r'<textarea id="hold-reason" name="reason"[^>]*required', page)
    assert re.search(r'<input type="checkbox" id="hold-confirm" name="confirm" value="yes" required>', page)

    # One click is not enough: no reason, or no confirmation, changes nothing and says what is missing.
    r = await web.post(path, data=form(token, on="on", confirm="yes"), follow_redirects=False)
    assert r.status_code == 400 and "Write why the legal hold" in r.text
    r = await web.post(path, data=form(token, on="on", reason=reason), follow_redirects=False)
    assert r.status_code == 400 and "Tick the box" in r.text
    async with stack.runtime.db.reading() as session:
        assert not (await session.get(Case, receipt.case_id)).legal_hold
        holds = (await session.execute(select(AuditEntry).where(AuditEntry.action == "case.legal_hold"))).all()
    assert holds == []

    r = await web.post(path, data=form(token, on="on", reason=reason, confirm="yes"), follow_redirects=False)
    assert r.status_code == 303
    async with stack.runtime.db.reading() as session:
        assert (await session.get(Case, receipt.case_id)).legal_hold
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "case.legal_hold"))
        note = await session.scalar(select(Note).where(Note.case_id == receipt.case_id, Note.kind == "legal_hold"))
    assert entry is not None and note is not None
    assert entry.detail == {"on": True, "note": note.id}
    # The reason is readable on the case page, labelled, and nowhere in clear on disk.
    shown = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert reason in shown and "Lift the legal hold" in shown
    stored = b"".join(files_under(Path(stack.settings.data_dir)).values())
    assert reason.encode() not in stored and reason.split()[2].encode() not in stored
    # Lifting needs the same.
    r = await web.post(path, data=form(token, on="off", reason="File closed by the Crown"), follow_redirects=False)
    assert r.status_code == 400
    r = await web.post(path, data=form(token, on="off", reason="File closed by the Crown", confirm="yes"),
                       follow_redirects=False)
    assert r.status_code == 303


async def test_the_api_needs_a_reason_and_confirm_true_for_a_legal_hold(stack, web, staff) -> None:  # noqa: ANN001
    from support.officers import sign_in_api

    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    url = f"/api/v1/cases/{receipt.case_id}/legal-hold"
    for body, status in (
        ({"on": True}, 400),
        ({"on": True, "reason": "court", "confirm": False}, 400),
        ({"on": True, "reason": "   ", "confirm": True}, 400),
        ({"on": True, "reason": "Court order 5521", "confirm": True}, 200),
        ({"on": True, "reason": "Court order 5521", "confirm": True}, 409),
    ):
        r = await web.put(url, json=body, headers={"x-csrftoken": token})
        assert r.status_code == status, (body, r.status_code, r.text)
    # On a closed case the reasons move with the case: lifting the hold puts every note, the reasons
    # included, under the retention epoch whose key is destroyed on schedule.
    r = await web.post(f"/api/v1/cases/{receipt.case_id}/status", json={"to": "closed", "outcome": "duplicate"},
                       headers={"x-csrftoken": token})
    assert r.status_code == 200
    r = await web.put(url, json={"on": False, "reason": "Court released it", "confirm": True},
                      headers={"x-csrftoken": token})
    assert r.status_code == 200
    async with stack.runtime.db.reading() as session:
        keys = set((await session.execute(select(Note.key_id).where(Note.case_id == receipt.case_id))).scalars())
    assert len(keys) == 1 and next(iter(keys)).startswith("r"), keys


async def _opens(stack, case_id: str) -> int:  # noqa: ANN001
    async with stack.runtime.db.reading() as session:
        rows = await session.execute(
            select(AuditEntry.seq).where(AuditEntry.object_id == case_id, AuditEntry.action == "case.open")
        )
        return len(rows.all())


async def test_one_sitting_opens_a_case_once_and_the_timeline_reads_as_sentences(
    stack, web, staff, make_client  # noqa: ANN001
) -> None:
    receipt = await submit(stack, province="QC")
    login = await staff(Role.SUPERVISOR, region=None)
    colleague = await staff(Role.OFFICER, region="quebec")
    token = await sign_in(web, stack.runtime, login)
    cid = receipt.case_id
    for fields, where in (
        ({"to": "triaged"}, "status"),
        ({"text": "Called the regional office."}, "notes"),
        ({"assignee": str(colleague.id)}, "assign"),
    ):
        r = await web.post(f"/officer/cases/{cid}/{where}", data=form(token, **fields), follow_redirects=True)
        assert r.status_code == 200, (where, r.status_code)
    await web.get(f"/officer/cases/{cid}")
    assert await _opens(stack, cid) == 1  # the first look only, not each return after an action
    page = (await web.get(f"/officer/cases/{cid}")).text
    timeline = page[page.index('<table class="timeline">'):]
    me, them = f"Test {login.username}", f"Test {colleague.username}"
    assert f"{me} moved the case from “New” to “Triaged”." in timeline
    assert f"{me} assigned the case to {them}." in timeline
    assert f"{me} added an internal note." in timeline and f"{me} opened the case." in timeline
    assert "to=" not in timeline and "note=" not in timeline and str(colleague.id) + "<" not in timeline
    # In French, the same sentences in French.
    await web.post("/officer/language", data=form(token, language="fr", next="/officer/queue"))
    french = (await web.get(f"/officer/cases/{cid}")).text
    assert f"{me} a fait passer le dossier de « Nouveau » à « Trié »." in french
    # Another sitting is another look.
    async with make_client() as other:
        await sign_in(other, stack.runtime, login)
        await other.get(f"/officer/cases/{cid}")
    assert await _opens(stack, cid) == 2


async def test_the_audit_log_finds_entries_by_case_code_officer_and_action(stack, web, staff) -> None:  # noqa: ANN001
    first, second = await submit(stack, province="QC"), await submit(stack, province="QC")
    worker = await staff(Role.OFFICER, region="quebec")
    token = await sign_in(web, stack.runtime, worker)
    for receipt in (first, second):
        await web.get(f"/officer/cases/{receipt.case_id}")
    await web.post(f"/officer/cases/{first.case_id}/notes", data=form(token, text="Visit booked."))
    supervisor = await staff(Role.SUPERVISOR, region=None)
    await sign_in(web, stack.runtime, supervisor)

    def rows(page: str) -> list[str]:
        body = page[page.index('<table class="audit">'):]
        return re.findall(r"<tr><td>\d+</td>(.*?)</tr>", body, re.S)

    code = first.case_code
    spaced = f"{code[:3]} {code[3:6]}-{code[6:]}"  # as it is read out over the phone
    found = rows((await web.get("/officer/audit", params={"case_code": spaced})).text)
    assert len(found) == 2 and all(f"Case {code}" in r for r in found), found
    assert not any(first.case_id in r.split("href=")[0] for r in found)
    assert any("added an internal note" in r for r in found)
    by_name = rows((await web.get("/officer/audit", params={"officer": f"test {worker.username[:4]}"})).text)
    assert by_name and all(f"Test {worker.username}" in r for r in by_name)
    assert len(by_name) >= 4  # sign-in, two opens, a note
    narrowed = rows((await web.get(
        "/officer/audit", params={"officer": worker.username, "action": "case.open", "case_code": second.case_code}
    )).text)
    assert len(narrowed) == 1 and f"Case {second.case_code}" in narrowed[0]
    nothing = rows((await web.get("/officer/audit", params={"case_code": "000-000-000", "officer": "%"})).text)
    assert nothing == [] or "No entries match" in nothing[0]


async def test_a_province_that_names_its_region_is_said_once(stack, web, staff) -> None:  # noqa: ANN001
    ontario = await submit(stack, province="ON")
    atlantic = await submit(stack, province="NS")
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    for receipt, shown in ((ontario, "<dd>Ontario</dd>"), (atlantic, "<dd>Nova Scotia (Atlantic)</dd>")):
        page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
        assert shown in page, re.findall(r"<dd>[^<]*\(?[^<]*</dd>", page)[:6]
        assert "Ontario (Ontario)" not in page
    queue = (await web.get("/officer/queue")).text
    assert "Ontario <span" not in queue and "Ontario (Ontario)" not in queue
    assert '<span class="muted">(Atlantic)</span>' in queue


async def test_the_referral_form_starts_on_the_partner_just_recorded(stack, web, staff) -> None:  # noqa: ANN001
    receipt = await submit(stack, province="QC")
    token = await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    r = await web.post(
        f"/officer/cases/{receipt.case_id}/referrals",
        data=form(token, partner="employment_standards", referred_on="2026-11-20", reference="CNT-1"),
        follow_redirects=False,
    )
    assert r.status_code == 303 and "partner=employment_standards" in r.headers["location"]
    page = (await web.get(r.headers["location"])).text
    assert _selected(page, "ref-partner") == "employment_standards"
    # Opened afresh, it starts on the first suggestion not referred yet, never blindly on the first partner.
    fresh = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    assert _selected(fresh, "ref-partner") != "employment_standards" or "employment_standards" in fresh


def _selected(page: str, select_id: str) -> str | None:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found
    chosen = re.search(r'<option value="([^"]*)" selected>', found.group(1))
    return chosen.group(1) if chosen else None


async def test_section_links_and_each_action_returns_to_its_own_section(stack, web, staff) -> None:  # noqa: ANN001
    receipt = await submit(stack, province="QC")
    token = await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="quebec"))
    cid = receipt.case_id
    page = (await web.get(f"/officer/cases/{cid}")).text
    links = re.findall(r'<li><a href="#([a-z]+-heading)">', page)
    assert len(links) == 9 and all(f'id="{anchor}"' in page for anchor in links)
    for where, fields, anchor in (
        ("notes", {"text": "Called the office."}, "notes-heading"),
        ("replies", {"text": "We have your report."}, "messages-heading"),
        ("status", {"to": "triaged"}, "work-heading"),
        ("referrals", {"partner": "ohs", "referred_on": "2026-11-20"}, "referrals-heading"),
    ):
        r = await web.post(f"/officer/cases/{cid}/{where}", data=form(token, **fields), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith(f"#{anchor}"), (where, r.headers)


async def test_an_officer_reads_times_in_their_office_zone_and_the_printed_summary_in_utc(
    stack, web, staff  # noqa: ANN001
) -> None:
    receipt = await submit(stack, province="ON")
    await sign_in(web, stack.runtime, await staff(Role.OFFICER, region="ontario"))
    page = (await web.get(f"/officer/cases/{receipt.case_id}")).text
    zone = stack.settings.time_zone_for("ontario")
    async with stack.runtime.db.reading() as session:
        received = (await session.get(Case, receipt.case_id)).received_at
    local = received.astimezone(zone)
    assert local.strftime("%Y-%m-%d %H:%M ") + local.tzname() in page  # "EST" or "EDT"
    assert " UTC</dd>" not in page
    printed = (await web.get(f"/officer/cases/{receipt.case_id}/export")).text
    assert received.strftime("%Y-%m-%d %H:%M UTC") in printed
