"""Admins manage accounts: who gets a copy of the key, role changes, resets, removal; all audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from signalement.db.models import AuditEntry, Officer, OfficerCredential, Role
from support.cases import submit
from support.officers import form, sign_in, sign_in_api


async def credential(stack, username: str) -> tuple[Officer, OfficerCredential | None]:  # noqa: ANN001
    async with stack.runtime.db.reading() as session:
        officer = await session.scalar(select(Officer).where(Officer.username == username))
        return officer, await session.get(OfficerCredential, officer.id)


async def test_an_admin_adds_accounts_and_only_case_reading_roles_get_the_key(stack, web, staff) -> None:
    token = await sign_in(web, stack.runtime, await staff(Role.ADMIN, region=None))
    for username, role in (("reader", "officer"), ("analyst", "researcher")):
        r = await web.post(
            "/officer/admin/staff",
            data=form(token, username=username, display_name=username.title(), role=role, region="quebec"),
        )
        assert r.status_code == 200
        password = re.search(r'id="one-time-password">([a-z0-9-]+)<', r.text).group(1)  # type: ignore[union-attr]
        assert len(password) == 23
        officer, cred = await credential(stack, username)
        assert officer.role == role and officer.must_change_password and not officer.totp_enrolled
        assert cred is not None and cred.holds_master_key is (role == "officer")
    async with stack.runtime.db.reading() as session:
        created = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "officer.create"))
        ).scalars()
        assert {e.detail["username"] for e in created} >= {"reader", "analyst"}
    listing = (await web.get("/officer/admin/staff")).text
    assert "reader" in listing and "analyst" in listing and "Waiting for first sign-in" in listing


async def test_crossing_between_researcher_and_a_reading_role_resets_the_credential(
    stack, web, staff
) -> None:
    token = await sign_in_api(web, stack.runtime, await staff(Role.ADMIN, region=None))
    researcher = await staff(Role.RESEARCHER, region=None)
    r = await web.patch(
        f"/api/v1/staff/{researcher.id}",
        json={"role": "officer", "region": "quebec"},
        headers={"x-csrftoken": token},
    )
    assert r.status_code == 200 and r.json()["issued"]["one_time_password"]
    officer, cred = await credential(stack, researcher.username)
    assert officer.role == "officer" and cred.holds_master_key and officer.must_change_password
    r = await web.patch(
        f"/api/v1/staff/{researcher.id}",
        json={"role": "supervisor", "region": None},
        headers={"x-csrftoken": token},
    )
    assert r.status_code == 200 and r.json()["issued"] is None  # officer to supervisor: same key, no reset
    r = await web.patch(
        f"/api/v1/staff/{researcher.id}", json={"role": "researcher"}, headers={"x-csrftoken": token}
    )
    assert r.json()["issued"] is not None
    _, cred = await credential(stack, researcher.username)
    assert not cred.holds_master_key
    async with stack.runtime.db.reading() as session:
        changes = (
            (
                await session.execute(
                    select(AuditEntry)
                    .where(AuditEntry.action == "officer.role_change")
                    .order_by(AuditEntry.seq)
                )
            )
            .scalars()
            .all()
        )
    assert [(e.detail["role_from"], e.detail["role_to"], e.detail["reset"]) for e in changes] == [
        ("researcher", "officer", True),
        ("officer", "supervisor", False),
        ("supervisor", "researcher", True),
    ]


async def test_removing_an_account_deletes_its_key_copy(stack, web, staff) -> None:
    token = await sign_in_api(web, stack.runtime, await staff(Role.ADMIN, region=None))
    leaving = await staff()
    assert (
        await web.delete(f"/api/v1/staff/{leaving.id}", headers={"x-csrftoken": token})
    ).status_code == 204
    officer, cred = await credential(stack, leaving.username)
    assert not officer.active and cred is None
    assert (
        await web.delete(f"/api/v1/staff/{leaving.id}", headers={"x-csrftoken": token})
    ).status_code == 404


async def test_an_admin_cannot_remove_reset_or_demote_themselves(stack, web, staff) -> None:
    admin = await staff(Role.ADMIN, region=None)
    token = await sign_in_api(web, stack.runtime, admin)
    for method, path, body in (
        ("DELETE", f"/api/v1/staff/{admin.id}", None),
        ("POST", f"/api/v1/staff/{admin.id}/reset", None),
        ("PATCH", f"/api/v1/staff/{admin.id}", {"role": "researcher"}),
    ):
        r = await web.request(method, path, json=body, headers={"x-csrftoken": token})
        assert r.status_code == 409, (method, r.text)


async def test_admins_see_keys_and_the_audit_log_but_no_case(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC")
    token = await sign_in_api(web, stack.runtime, await staff(Role.ADMIN, region=None))
    keys = (await web.get("/api/v1/keys")).json()
    assert any(k["current"] and k["sealed_values"] > 0 for k in keys)
    assert (await web.get("/api/v1/audit?action=auth.")).status_code == 200
    assert (await web.get(f"/api/v1/cases/{receipt.case_id}")).status_code == 403
    assert (await web.get("/officer/admin/keys")).status_code == 200
    del token


async def test_a_researcher_reaches_no_case_data_at_all(stack, web, staff) -> None:
    receipt = await submit(stack, province="QC")
    researcher = await staff(Role.RESEARCHER, region="quebec")
    _, cred = await credential(stack, researcher.username)
    assert cred is not None and not cred.holds_master_key
    await sign_in(web, stack.runtime, researcher)
    assert (await web.get("/officer/")).headers["location"] == "/research/"  # their home is the research dashboard
    for path in (
        "/officer/queue",
        f"/officer/cases/{receipt.case_id}",
        "/officer/clusters",
        "/officer/audit",
        "/api/v1/cases",
        f"/api/v1/cases/{receipt.case_id}",
        "/api/v1/clusters",
    ):
        assert (await web.get(path)).status_code == 403, path
