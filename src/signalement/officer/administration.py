"""Staff accounts from the admin workspace: add, change role or region, reset, remove.

A new account that reads cases gets a copy of the master key, wrapped from
the admin's own session; a researcher gets none. Because a credential can
only be re-sealed with its owner's password, a role change that crosses
that line (researcher to a case-reading role, or back) resets the
credential instead: a new one-time password, TOTP enrolment again, and a
credential that holds the key only if the new role needs it. Every change
is audited, and takes effect on the account's next request (the guard
re-reads the account; a reset or removal ends its sessions).

Giving an account a role that reads cases is audited a second time, as
``officer.grant_case_access``, and listed on the admin page: an admin can
read cases only through an account they made or promoted, and every other
admin sees that they did (docs/officer.md, decision 0007).
"""

from __future__ import annotations

import datetime as dt

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import audit
from signalement.db.models import AuditEntry, Officer, Role
from signalement.errors import ConflictError, NotFoundError, SignalementError
from signalement.runtime import Runtime
from signalement.staff.access import Principal
from signalement.staff.accounts import (
    READS_CASES,
    NewAccount,
    audit_case_access_grant,
    create_account,
    remove_account,
    reseal_credential,
    restamp_account,
    with_research_key,
)
from signalement.staff.passwords import one_time_password
from signalement.vault.unseal import MasterKey
from signalement.vault.wrapping import CredentialPayload

# Roles whose accounts read case content (admins hold the master key to hand it on, but read no case).
CASE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})


class SelfChangeError(ConflictError):
    """Admins cannot remove, reset or demote their own account (ask another admin)."""


class UnknownRegionError(SignalementError):
    """The region is not one of the regional offices."""


class StaffMember(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    display_name: str
    role: str
    region: str | None
    active: bool
    totp_enrolled: bool
    must_change_password: bool
    created_at: dt.datetime


class IssuedCredential(msgspec.Struct, frozen=True, kw_only=True):
    """Shown once to the admin, who passes it to the person out of band."""

    officer_id: int
    username: str
    role: str
    one_time_password: str


def _member(o: Officer) -> StaffMember:
    return StaffMember(
        id=o.id,
        username=o.username,
        display_name=o.display_name,
        role=o.role,
        region=o.region,
        active=o.active,
        totp_enrolled=o.totp_enrolled,
        must_change_password=o.must_change_password,
        created_at=o.created_at,
    )


def _check_region(region: str | None, regions: frozenset[str]) -> str | None:
    if region in (None, ""):
        return None
    if region not in regions:
        raise UnknownRegionError
    return region


async def list_staff(runtime: Runtime) -> list[StaffMember]:
    async with runtime.db.reading() as session:
        rows = (
            await session.execute(select(Officer).order_by(Officer.active.desc(), Officer.username))
        ).scalars()
        return [_member(o) for o in rows]


async def add_member(
    runtime: Runtime,
    principal: Principal,
    master: MasterKey,
    *,
    username: str,
    display_name: str,
    role: Role,
    region: str | None,
    regions: frozenset[str],
) -> IssuedCredential:
    region = _check_region(region, regions)
    async with runtime.db.writing() as session:
        account: NewAccount = await create_account(
            runtime,
            session,
            username=username,
            display_name=display_name,
            role=role,
            region=region,
            master=master if role in READS_CASES else None,
            actor=principal.actor,
            enrol_totp=False,
        )
        await session.commit()
    return IssuedCredential(
        officer_id=account.officer_id,
        username=account.username,
        role=account.role,
        one_time_password=account.one_time_password,
    )


async def _target(session: AsyncSession, principal: Principal, officer_id: int) -> Officer:
    officer = await session.get(Officer, officer_id)
    if officer is None or not officer.active:
        raise NotFoundError
    if officer.id == principal.officer_id:
        raise SelfChangeError
    return officer


async def _reset(runtime: Runtime, session: AsyncSession, officer: Officer, master: MasterKey) -> str:
    password = one_time_password()
    payload = CredentialPayload().with_master(master if Role(officer.role) in READS_CASES else None)
    payload = with_research_key(runtime, payload, Role(officer.role), master)
    officer.must_change_password, officer.totp_enrolled, officer.totp_last_step = True, False, 0
    await reseal_credential(runtime, session, officer, password, payload)
    return password


async def change_member(
    runtime: Runtime,
    principal: Principal,
    master: MasterKey,
    officer_id: int,
    *,
    role: Role,
    region: str | None,
    regions: frozenset[str],
) -> IssuedCredential | None:
    """Change role and region; returns a new one-time password when the key boundary was crossed."""
    region = _check_region(region, regions)
    async with runtime.db.writing() as session:
        officer = await _target(session, principal, officer_id)
        before_role, before_region = Role(officer.role), officer.region
        if (before_role, before_region) == (role, region):
            raise ConflictError("nothing to change")
        officer.role, officer.region = role.value, region
        password = None
        if (before_role in READS_CASES) != (role in READS_CASES):
            password = await _reset(runtime, session, officer, master)
        else:
            await restamp_account(runtime, session, officer)  # the credential's MAC covers role and region
        await audit.append(
            session,
            runtime.audit_keys,
            actor=principal.actor,
            action="officer.role_change",
            object_type="officer",
            object_id=str(officer.id),
            detail={
                "role_from": before_role.value,
                "role_to": role.value,
                "region_from": before_region,
                "region_to": region,
                "reset": password is not None,
            },
        )
        if role in CASE_ROLES and before_role not in CASE_ROLES:
            await audit_case_access_grant(runtime, session, officer, actor=principal.actor)
        await session.commit()
    if password is None:
        return None
    return IssuedCredential(
        officer_id=officer.id, username=officer.username, role=role.value, one_time_password=password
    )


async def reset_member(
    runtime: Runtime, principal: Principal, master: MasterKey, officer_id: int
) -> IssuedCredential:
    """A lost phone or password: new one-time password, TOTP enrolment again, sessions ended."""
    async with runtime.db.writing() as session:
        officer = await _target(session, principal, officer_id)
        password = await _reset(runtime, session, officer, master)
        await audit.append(
            session,
            runtime.audit_keys,
            actor=principal.actor,
            action="officer.reset",
            object_type="officer",
            object_id=str(officer.id),
        )
        await session.commit()
    return IssuedCredential(
        officer_id=officer.id, username=officer.username, role=officer.role, one_time_password=password
    )


async def remove_member(runtime: Runtime, principal: Principal, officer_id: int) -> None:
    """Disable the account and delete its credential (its copy of the key)."""
    async with runtime.db.writing() as session:
        officer = await _target(session, principal, officer_id)
        await remove_account(runtime, session, username=officer.username, actor=principal.actor)
        await session.commit()


class CaseAccessGrant(msgspec.Struct, frozen=True, kw_only=True):
    """One grant of case access, as the admin page lists them for every admin to see."""

    at: dt.datetime
    actor: str
    username: str
    role: str
    region: str | None


async def case_access_grants(runtime: Runtime, limit: int = 50) -> list[CaseAccessGrant]:
    """The most recent grants of case access (``officer.grant_case_access`` in the audit log), newest first."""
    async with runtime.db.reading() as session:
        rows = (
            await session.execute(
                select(AuditEntry)
                .where(AuditEntry.action == "officer.grant_case_access")
                .order_by(AuditEntry.seq.desc())
                .limit(limit)
            )
        ).scalars()
        return [
            CaseAccessGrant(at=e.at, actor=e.actor, username=str(e.detail.get("username", "")),
                            role=str(e.detail.get("role", "")), region=e.detail.get("region"))  # type: ignore[arg-type]
            for e in rows
        ]


async def member(runtime: Runtime, officer_id: int) -> StaffMember:
    async with runtime.db.reading() as session:
        officer = await session.get(Officer, officer_id)
        if officer is None:
            raise NotFoundError
        return _member(officer)


async def assignable(runtime: Runtime) -> list[StaffMember]:
    """Accounts a case can be assigned to."""
    async with runtime.db.reading() as session:
        rows = (
            await session.execute(
                select(Officer)
                .where(Officer.active.is_(True), Officer.role.in_((Role.OFFICER, Role.SUPERVISOR)))
                .order_by(Officer.display_name)
            )
        ).scalars()
        return [_member(o) for o in rows]
