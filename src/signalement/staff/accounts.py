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
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from signalement import audit
from signalement.db.models import Officer, OfficerCredential, Role, utcnow
from signalement.errors import ConflictError, NotFoundError, SignalementError
from signalement.runtime import Runtime
from signalement.staff.passwords import one_time_password
from signalement.staff.research_grant import research_key_for
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
    session.add(OfficerCredential(officer_id=officer.id, kdf=kdf, blob=blob,
                                  holds_master_key=payload.master_private is not None))
    await audit.append(session, runtime.audit_keys, actor=actor, action="officer.create", object_type="officer",
                       object_id=str(officer.id), detail={"role": role.value, "username": username})
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


async def master_from_password(runtime: Runtime, session: AsyncSession, username: str, password: str) -> MasterKey:
    """For key ceremonies on the command line: an admin's password opens the master key."""
    found = await authenticate(runtime, session, username, password)
    if found is None or found[0].role != Role.ADMIN:
        raise WrongPasswordError
    master = found[1].master()
    if master is None:
        raise MasterKeyRequiredError
    return master
