"""Staff accounts: create, remove, authenticate, re-seal a credential.

Used by the CLI (``init``, ``officer add|remove``, key ceremonies) and by the
sign-in pages. Roles that read cases (officer, supervisor, admin) get the
directorate master key in their credential; researchers never do, so a
researcher's password can open nothing, whatever a bug elsewhere allows.
"""

from __future__ import annotations

import os
import re

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from signalement import audit
from signalement.db.engine import rows_affected
from signalement.db.models import Officer, OfficerCredential, Role, utcnow
from signalement.errors import ConflictError, NotFoundError, SignalementError
from signalement.runtime import Runtime
from signalement.staff import totp
from signalement.staff.integrity import credential_mac, credential_mac_ok
from signalement.staff.passwords import one_time_password
from signalement.staff.research_grant import research_key_for
from signalement.vault.kdf import Argon2Params
from signalement.vault.unseal import MasterKey
from signalement.vault.wrapping import (
    CredentialPayload,
    WrongPasswordError,
    dummy_open,
    open_credential,
    seal_credential,
)

READS_CASES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
# Roles whose credential also carries the research key (feedback comments; staff.research_grant).
HOLDS_RESEARCH_KEY = frozenset({Role.RESEARCHER, Role.SUPERVISOR})
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")


class MasterKeyRequiredError(SignalementError):
    """Creating an account that reads cases needs a signed-in admin holding the master key."""


class CredentialRejectedError(Exception):
    """A credential row fails its MAC: written or changed by someone other than the service."""

    def __init__(self, officer_id: int) -> None:
        super().__init__(officer_id)
        self.officer_id = officer_id


def stamp_credential(runtime: Runtime, officer: Officer, cred: OfficerCredential) -> None:
    """(Re)compute the row's MAC after the service changed it or the account's role or region."""
    cred.mac = credential_mac(runtime.staff_keys, officer_id=officer.id, username=officer.username,
                              role=str(officer.role), region=officer.region, kdf=cred.kdf, blob=cred.blob,
                              holds_master_key=bool(cred.holds_master_key))


def credential_authentic(runtime: Runtime, officer: Officer, cred: OfficerCredential) -> bool:
    return credential_mac_ok(runtime.staff_keys, cred.mac, officer_id=officer.id, username=officer.username,
                             role=str(officer.role), region=officer.region, kdf=cred.kdf, blob=cred.blob,
                             holds_master_key=bool(cred.holds_master_key))


async def restamp_account(runtime: Runtime, session: AsyncSession, officer: Officer) -> None:
    """After a role or region change that keeps the credential: the MAC covers them too."""
    cred = await session.get(OfficerCredential, officer.id)
    if cred is not None:
        stamp_credential(runtime, officer, cred)


async def audit_rejected_credential(runtime: Runtime, officer_id: int, *, during: str) -> None:
    """Record a credential that failed its MAC, in a transaction of its own (the caller's rolled back)."""
    async with runtime.db.writing() as session:
        await audit.append(session, runtime.audit_keys, actor="unknown", action="auth.credential_rejected",
                           object_type="officer", object_id=str(officer_id), detail={"during": during})
        await session.commit()


def params_of(kdf: dict[str, object]) -> Argon2Params | None:
    try:
        return Argon2Params(memory_kib=int(kdf["m"]), iterations=int(kdf["t"]), lanes=int(kdf["p"]))  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError):
        return None


def below_current_costs(runtime: Runtime, kdf: dict[str, object]) -> bool:
    """True when a credential was sealed with less Argon2 memory or time than new ones get now."""
    params, want = params_of(kdf), runtime.kdf_costs.officer
    return params is None or params.memory_kib < want.memory_kib or params.iterations < want.iterations


class NewAccount(msgspec.Struct, frozen=True, kw_only=True):
    officer_id: int
    username: str
    role: str
    one_time_password: str
    totp_secret: bytes | None


def validate_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise SignalementError("username must be 3-32 characters: a-z, 0-9, '.', '_' or '-'")
    return username


async def create_account(runtime: Runtime, session: AsyncSession, *, username: str, display_name: str,
                         role: Role, region: str | None, master: MasterKey | None, actor: str,
                         enrol_totp: bool) -> NewAccount:
    """Add an account in the caller's transaction. With ``enrol_totp`` the TOTP secret is made now
    (the CLI prints it); otherwise the officer enrols at first sign-in, with a QR code."""
    username = validate_username(username)
    role = Role(role)
    if role in READS_CASES and master is None:
        raise MasterKeyRequiredError
    if await session.scalar(select(Officer.id).where(Officer.username == username)) is not None:
        raise ConflictError("username taken")
    officer = Officer(username=username, display_name=display_name.strip()[:128] or username, role=role,
                      region=region, must_change_password=True, totp_enrolled=enrol_totp)
    session.add(officer)
    await session.flush()
    password = one_time_password()
    totp_secret = os.urandom(20) if enrol_totp else None
    payload = CredentialPayload(totp_secret=totp_secret).with_master(master if role in READS_CASES else None)
    payload = with_research_key(runtime, payload, role, master)
    kdf, blob = await runtime.kdf_pool.run(seal_credential, password, officer.id, payload, runtime.kdf_costs.officer)
    cred = OfficerCredential(officer_id=officer.id, kdf=kdf, blob=blob,
                             holds_master_key=payload.master_private is not None)
    stamp_credential(runtime, officer, cred)
    session.add(cred)
    await audit.append(session, runtime.audit_keys, actor=actor, action="officer.create", object_type="officer",
                       object_id=str(officer.id), detail={"role": role.value, "username": username})
    if role in READS_CASES and role is not Role.ADMIN:
        # Giving an account case access is its own act (docs/officer.md): an admin could otherwise read
        # every case through an account of their own making, unnoticed among routine account changes.
        await audit_case_access_grant(runtime, session, officer, actor=actor)
    return NewAccount(officer_id=officer.id, username=username, role=role.value, one_time_password=password,
                      totp_secret=totp_secret)


def with_research_key(runtime: Runtime, payload: CredentialPayload, role: Role,
                      master: MasterKey | None) -> CredentialPayload:
    """Give researchers and supervisors the research key, when a master key is at hand to open it."""
    if role not in HOLDS_RESEARCH_KEY or master is None:
        return payload
    return msgspec.structs.replace(payload, research_key=research_key_for(runtime.keystore, master))


async def remove_account(runtime: Runtime, session: AsyncSession, *, username: str, actor: str) -> None:
    """Disable the account and delete its credential, and with it that copy of the master key."""
    officer = await session.scalar(select(Officer).where(Officer.username == username.strip().lower()))
    if officer is None:
        raise NotFoundError
    cred = await session.get(OfficerCredential, officer.id)
    if cred is not None:
        await session.delete(cred)
    officer.active = False
    await audit.append(session, runtime.audit_keys, actor=actor, action="officer.remove", object_type="officer",
                       object_id=str(officer.id))


async def authenticate(runtime: Runtime, session: AsyncSession, username: str,
                       password: str) -> tuple[Officer, CredentialPayload] | None:
    """The officer and their opened credential, or ``None``. Same cost whether or not the user exists."""
    officer = await session.scalar(
        select(Officer).options(selectinload(Officer.credential))
        .where(Officer.username == username.strip().lower()[:64], Officer.active.is_(True))
    )
    if officer is None or officer.credential is None:
        await runtime.kdf_pool.run(dummy_open, password, runtime.kdf_costs.officer)
        return None
    cred = officer.credential
    if not credential_authentic(runtime, officer, cred):
        # Spend the same time as a real check, then refuse whatever the password: the row is not ours.
        await runtime.kdf_pool.run(dummy_open, password, runtime.kdf_costs.officer)
        raise CredentialRejectedError(officer.id)
    try:
        payload = await runtime.kdf_pool.run(open_credential, password, officer.id, cred.kdf, cred.blob)
    except WrongPasswordError:
        return None
    return officer, payload


async def reseal_credential(runtime: Runtime, session: AsyncSession, officer: Officer, password: str,
                            payload: CredentialPayload) -> None:
    """Store ``payload`` under ``password`` (password change, TOTP enrolment, master key restore)."""
    kdf, blob = await runtime.kdf_pool.run(seal_credential, password, officer.id, payload, runtime.kdf_costs.officer)
    cred = await session.get(OfficerCredential, officer.id)
    if cred is None:
        cred = OfficerCredential(officer_id=officer.id, kdf=kdf, blob=blob)
        session.add(cred)
    cred.kdf, cred.blob, cred.updated_at = kdf, blob, utcnow()
    cred.holds_master_key = payload.master_private is not None
    stamp_credential(runtime, officer, cred)


async def audit_case_access_grant(runtime: Runtime, session: AsyncSession, officer: Officer, *, actor: str) -> None:
    await audit.append(session, runtime.audit_keys, actor=actor, action="officer.grant_case_access",
                       object_type="officer", object_id=str(officer.id),
                       detail={"username": officer.username, "role": str(officer.role), "region": officer.region})


async def master_from_password(runtime: Runtime, session: AsyncSession, username: str, password: str) -> MasterKey:
    """An admin's password opens the master key (tests and internal use; ceremonies also want TOTP)."""
    try:
        found = await authenticate(runtime, session, username, password)
    except CredentialRejectedError:
        raise WrongPasswordError from None
    if found is None or found[0].role != Role.ADMIN:
        raise WrongPasswordError
    master = found[1].master()
    if master is None:
        raise MasterKeyRequiredError
    return master


async def master_for_ceremony(runtime: Runtime, admin: str, password: str, code: str, *, ceremony: str) -> MasterKey:
    """For key ceremonies on the command line: an admin's password *and* a fresh TOTP code.

    The code is single use, as at sign-in. A refusal is audited (without saying which part was wrong)
    and raises ``WrongPasswordError``.
    """
    reason = "password"
    officer_id: int | None = None
    async with runtime.db.writing() as session:
        try:
            found = await authenticate(runtime, session, admin, password[:128])
        except CredentialRejectedError as exc:
            found, reason, officer_id = None, "credential", exc.officer_id
        if found is not None and found[0].role == Role.ADMIN and found[1].master() is not None:
            officer, payload = found
            officer_id = officer.id
            step = totp.verify(payload.totp_secret or b"", code, officer.totp_last_step)
            # Single use, as at sign-in: only one UPDATE can move the step forward.
            used = step is not None and officer.totp_enrolled and await rows_affected(
                session, update(Officer).where(Officer.id == officer.id, Officer.totp_last_step < step)
                .values(totp_last_step=step)) == 1
            if used:
                await audit.append(session, runtime.audit_keys, actor=officer.username, action="auth.ceremony",
                                   object_type="officer", object_id=str(officer.id), detail={"ceremony": ceremony})
                await session.commit()
                master = payload.master()
                assert master is not None
                return master
            reason = "code"
        await session.rollback()
    async with runtime.db.writing() as session:
        known = await session.scalar(select(Officer.username).where(Officer.username == admin.strip().lower()[:64]))
        await audit.append(session, runtime.audit_keys, actor=known or "unknown", action="auth.ceremony_refused",
                           object_type="officer", object_id=str(officer_id or ""),
                           detail={"ceremony": ceremony, "reason": reason})
        await session.commit()
    raise WrongPasswordError
