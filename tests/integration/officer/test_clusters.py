"""Employer clusters: a fingerprint for everyone, the name for a supervisor who asks with the key unlocked,
and every name seen in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from signalement.db.models import AuditEntry, Case, Role
from signalement.officer.related import fingerprint
from support.cases import submit
from support.officers import sign_in, sign_in_api


async def _named(stack) -> list[AuditEntry]:  # noqa: ANN001
    async with stack.runtime.db.reading() as session:
        return list((await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "cluster.name").order_by(AuditEntry.seq))).all())


async def test_a_supervisor_sees_the_employers_name_only_on_asking_and_the_audit_log_says_so(
    stack, web, staff
) -> None:
    a = await submit(stack, employer="Ferme Tremblay Inc.")
    b = await submit(stack, employer="ferme   TREMBLAY")
    c = await submit(stack, employer="Serres Lavoie")
    d = await submit(stack, employer="Serres Lavoie")
    supervisor = await staff(Role.SUPERVISOR, region=None)
    token = await sign_in(web, stack.runtime, supervisor)
    plain = (await web.get("/officer/clusters")).text
    assert "Tremblay" not in plain and "Lavoie" not in plain and "Employer " in plain
    assert await _named(stack) == []
    shown = await web.post("/officer/clusters/names", data={"_csrf_token": token})
    assert shown.status_code == 200
    # Both spellings (their order follows the reports' order), one cluster; the fingerprint stays beside them.
    one, other = "Ferme Tremblay Inc. / ferme TREMBLAY", "ferme TREMBLAY / Ferme Tremblay Inc."
    assert (one in shown.text) != (other in shown.text)
    assert "Serres Lavoie</a>" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    entries = await _named(stack)
    assert len(entries) == 2 and {e.actor for e in entries} == {supervisor.username}
    async with stack.runtime.db.reading() as session:
        index = dict((await session.execute(select(Case.id, Case.employer_index))).all())
    by_cluster = {e.object_id: sorted(e.detail["cases"]) for e in entries}
    assert by_cluster == {fingerprint(index[a.case_id]): sorted([a.case_id, b.case_id]),
                          fingerprint(index[c.case_id]): sorted([c.case_id, d.case_id])}
    assert all(e.object_type == "cluster" for e in entries)
    # The audit log holds fingerprints and case ids, never a name.
    assert not any("remblay" in str(e.detail) or "avoie" in str(e.detail) for e in entries)
    log = (await web.get("/officer/audit", params={"action": "cluster.name"})).text
    assert "saw this employer cluster&#39;s name, opened from 2 reports." in log and "Tremblay" not in log


async def test_the_names_need_the_csrf_token(stack, web, staff) -> None:
    await submit(stack, employer="Ferme Tremblay")
    await submit(stack, employer="Ferme Tremblay")
    await sign_in(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    r = await web.post("/officer/clusters/names", data={})
    assert r.status_code == 403 and "Tremblay" not in r.text
    assert await _named(stack) == []


async def test_an_officer_never_gets_a_name(stack, make_client, staff) -> None:
    await submit(stack, employer="Ferme Tremblay")
    await submit(stack, employer="Ferme Tremblay")
    async with make_client() as officer_web:
        token = await sign_in(officer_web, stack.runtime, await staff(Role.OFFICER))
        assert (await officer_web.post("/officer/clusters/names", data={"_csrf_token": token})).status_code == 403
        assert (await officer_web.get("/officer/clusters")).status_code == 403
    assert await _named(stack) == []


async def test_duplicates_separate_employers_and_keep_spelling_variants(stack, web, staff) -> None:
    story = "The boss keeps our passports and we work 80 hours with no pay."
    cats = ("wages", "documents")
    case = await submit(stack, employer="Ferme Tremblay", narrative=story, categories=cats)
    exact = await submit(stack, employer="FERME TREMBLAY inc.", narrative=story, categories=cats)
    variant = await submit(stack, employer="Fermes Tremblay", narrative=story, categories=cats)
    misspelt = await submit(stack, employer="Ferme Tremblé", narrative=story, categories=cats)
    other = await submit(stack, employer="Serres Lavoie", narrative=story, categories=cats)
    look_alike = await submit(stack, employer="Ferme Lavoie", narrative=story, categories=cats)
    unnamed = await submit(stack, employer="", narrative=story, categories=cats)
    await sign_in_api(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    related = (await web.get(f"/api/v1/cases/{case.case_id}")).json()["related"]
    score = {c["id"]: c["likelihood"] for c in related["duplicates"]}
    assert score[exact.case_id] == 1.0  # the same employer, whatever the case and suffix
    assert 0.5 <= score[variant.case_id] < 1.0 and 0.5 <= score[misspelt.case_id] < 1.0
    # The same story at another employer is not the same events, however alike the stories are.
    assert other.case_id not in score and look_alike.case_id not in score
    # No employer named: judged by categories and time alone, as before.
    assert score[unnamed.case_id] == 1.0


async def test_the_api_gives_the_names_to_a_supervisor_and_audits_them(stack, web, staff) -> None:
    await submit(stack, employer="Serres Lavoie")
    await submit(stack, employer="Serres Lavoie")
    token = await sign_in_api(web, stack.runtime, await staff(Role.SUPERVISOR, region=None))
    plain = (await web.get("/api/v1/clusters")).json()
    assert "Lavoie" not in str(plain)
    r = await web.post("/api/v1/clusters/names", headers={"x-csrftoken": token})
    assert r.status_code == 200
    (named,) = r.json()
    assert named["names"] == ["Serres Lavoie"] and named["cluster"]["cases"] == 2
    assert len(await _named(stack)) == 1
