"""Signing in: password (which opens the credential), then a single-use TOTP code, with throttling.

A wrong username, a wrong password and a wrong code give the same answer
after the same work: ``accounts.authenticate`` spends one Argon2id
derivation whether or not the account exists, and the code is checked only
after it. Failures are counted per account and per (daily-salted hash of
the) client address in the shared store; both locks expire on their own.
A per-account lock can be used to keep an officer out for a while; that
is the accepted price of stopping password guessing against one account
from many addresses, and it ends after ``WINDOW_SECONDS``.

The audit log records every attempt. A failure records the username only
when such an account exists (a typed-in password must never land in the
log) and whether the password or the code was wrong: a right password with
a wrong code means the password is known to someone.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec
from litestar import Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.stores.base import Store
from litestar.utils.scope.state import ScopeState
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import audit
from signalement.db.engine import rows_affected
from signalement.db.models import Officer, OfficerCredential
from signalement.rewrap import rewrap_at_sign_in
from signalement.runtime import Runtime
from signalement.staff import integrity, session_keys, sessions, totp
from signalement.staff.access import Stage
from signalement.staff.accounts import (
    CredentialRejectedError,
    audit_rejected_credential,
    authenticate,
    below_current_costs,
    reseal_credential,
)
from signalement.staff.guard import csrf_cookie_name, require_principal
from signalement.throttle import FailureCounter
from signalement.vault.unseal import PrivateKeyring
from signalement.vault.wrapping import CredentialPayload

ACCOUNT_FAILURE_LIMIT = 10
CLIENT_FAILURE_LIMIT = 30
WINDOW_SECONDS = 15 * 60
MAX_FIELD = 128
# Sign-out also drops the key cookie and anything the browser cached or stored.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


class Outcome(enum.Enum):
    SIGNED_IN = "signed_in"
    SETUP = "setup"  # right password and code (or no TOTP yet): finish set-up before anything else
    FAILED = "failed"
    THROTTLED = "throttled"


class SignInResult(msgspec.Struct, frozen=True, kw_only=True):
    outcome: Outcome
    officer_id: int | None = None
    payload: CredentialPayload | None = None
    credential_at: str = ""
    signin_seq: int = 0  # the audit entry of this sign-in; the session is bound to it


class SignInThrottle:
    """Failure counters in the shared store, keyed by pseudonyms that change daily."""

    def __init__(self, runtime: Runtime, store: Store) -> None:
        self.hasher = runtime.client_hasher
        self.failures = FailureCounter(store)

    def account_key(self, username: str) -> str:
        return "signin:account:" + self.hasher.pseudonym(
            username.strip().lower()[:64], purpose="signin-account"
        )

    @staticmethod
    def client_key(client_pseudonym: str) -> str:
        return "signin:client:" + client_pseudonym

    async def blocked(self, username: str, client: str) -> bool:
        return (
            await self.failures.count(self.account_key(username)) >= ACCOUNT_FAILURE_LIMIT
            or await self.failures.count(self.client_key(client)) >= CLIENT_FAILURE_LIMIT
        )

    async def failed(self, username: str, client: str) -> None:
        await self.failures.add(self.account_key(username), WINDOW_SECONDS)
        await self.failures.add(self.client_key(client), WINDOW_SECONDS)

    async def succeeded(self, username: str) -> None:
        await self.failures.clear(self.account_key(username))


def throttle_for(runtime: Runtime) -> SignInThrottle:
    return SignInThrottle(runtime, runtime.store("signin"))


async def sign_in(
    runtime: Runtime, throttle: SignInThrottle, *, username: str, password: str, code: str, client: str
) -> SignInResult:
    """Check one sign-in attempt; audit it; never say which part was wrong."""
    # NUL cannot reach PostgreSQL; no username has one, so dropping it changes no answer.
    username, password, code = (
        username.replace("\x00", "")[:MAX_FIELD],
        password[:MAX_FIELD],
        code[:MAX_FIELD],
    )
    if await throttle.blocked(username, client):
        await _audit_failure(runtime, username, "throttled")
        return SignInResult(outcome=Outcome.THROTTLED)
    async with runtime.db.writing() as session:
        try:
            found = await authenticate(runtime, session, username, password)
        except CredentialRejectedError as exc:
            # Written or changed by someone other than the service (a database insider): refuse and record.
            await session.rollback()
            await throttle.failed(username, client)
            await audit_rejected_credential(runtime, exc.officer_id, during="sign_in")
            return SignInResult(outcome=Outcome.FAILED)
        if found is None:
            await session.rollback()
            await throttle.failed(username, client)
            await _audit_failure(runtime, username, "password")
            return SignInResult(outcome=Outcome.FAILED)
        officer, payload = found
        officer_id, enrolled, must_change = officer.id, officer.totp_enrolled, officer.must_change_password
        if enrolled:
            step = totp.verify(payload.totp_secret or b"", code, officer.totp_last_step)
            # Single use, even against a concurrent replay: only one UPDATE can move the step forward.
            used = (
                step is not None
                and await rows_affected(
                    session,
                    update(Officer)
                    .where(Officer.id == officer_id, Officer.totp_last_step < step)
                    .values(totp_last_step=step),
                )
                == 1
            )
            if not used:
                await session.rollback()
                await throttle.failed(username, client)
                await _audit_failure(runtime, username, "code")
                return SignInResult(outcome=Outcome.FAILED)
        if below_current_costs(runtime, officer.credential.kdf if officer.credential else {}):
            # docs/crypto.md: raising the Argon2 costs takes effect for each officer at their next sign-in.
            await reseal_credential(runtime, session, officer, password, payload)
            await audit.append(session, runtime.audit_keys, actor=officer.username, action="auth.credential_upgrade",
                               object_type="officer", object_id=str(officer_id),
                               detail={"m": runtime.kdf_costs.officer.memory_kib,
                                       "t": runtime.kdf_costs.officer.iterations})
            await session.flush()
        credential_at = await credential_stamp(session, officer_id)
        setup = must_change or not enrolled
        entry = await audit.append(
            session,
            runtime.audit_keys,
            actor=officer.username,
            action="auth.sign_in",
            object_type="officer",
            object_id=str(officer_id),
            detail={"setup": setup},
        )
        signin_seq = entry.seq
        await session.commit()
    await throttle.succeeded(username)
    master = payload.master()
    if master is not None and not setup:
        # Every key holder's sign-in moves a batch of values off old epochs (``rewrap``), so epochs the worker
        # rotates on schedule empty out and can be destroyed without anyone rotating by hand.
        await rewrap_at_sign_in(runtime, PrivateKeyring(runtime.keystore, master))
    return SignInResult(
        outcome=Outcome.SETUP if setup else Outcome.SIGNED_IN,
        officer_id=officer_id,
        payload=payload,
        credential_at=credential_at,
        signin_seq=signin_seq,
    )


async def credential_stamp(session: AsyncSession, officer_id: int) -> str:
    """The credential's last change, as kept in the session to notice resets and removals."""
    at = await session.scalar(
        select(OfficerCredential.updated_at).where(OfficerCredential.officer_id == officer_id)
    )
    return at.isoformat() if at else ""


async def _audit_failure(runtime: Runtime, username: str, reason: str) -> None:
    async with runtime.db.writing() as session:
        name = username.strip().lower()[:64]
        known = await session.scalar(select(Officer.username).where(Officer.username == name))
        await audit.append(
            session,
            runtime.audit_keys,
            actor=known or "unknown",
            action="auth.sign_in_failed",
            object_type="officer",
            detail={"reason": reason},
        )
        await session.commit()


def start_session(
    connection: ASGIConnection, runtime: Runtime, result: SignInResult, response: Response[Any]
) -> None:
    """Rotate to a new session id and hand the browser the key cookie (pages and API alike)."""
    assert result.officer_id is not None and result.payload is not None
    names = sessions.CookieNames.for_settings(runtime.settings)
    setup = result.outcome is Outcome.SETUP
    previous = sessions.read_state(connection)
    cookie = session_keys.begin(
        connection,
        officer_id=result.officer_id,
        stage=Stage.SETUP if setup else Stage.READY,
        credential_at=result.credential_at,
        master=None if setup else result.payload.master(),
        setup_payload=msgspec.msgpack.encode(result.payload) if setup else None,
        research=None if setup else result.payload.research_key,
        # Finishing set-up starts a new session that still comes from the same sign-in.
        signin_seq=result.signin_seq or (previous.signin_seq if previous else 0),
    )
    response.set_cookie(sessions.key_cookie(names, cookie))
    _issue_bound_csrf(connection, runtime, response)


def _issue_bound_csrf(connection: ASGIConnection, runtime: Runtime, response: Response[Any]) -> None:
    """Replace the browser's CSRF token with one derived from the new session id (``staff.integrity``).

    Litestar's check is a double-submit cookie: any token it ever issued passes. The guard also requires,
    for every change a signed-in browser makes, the token issued to *its* session.
    """
    session_id = sessions.session_id_of(connection)
    assert session_id is not None
    token = integrity.csrf_token_for_session(runtime.staff_keys, session_id, runtime.csrf_secret)
    ScopeState.from_scope(connection.scope).csrf_token = token
    response.set_cookie(Cookie(key=csrf_cookie_name(runtime.settings), value=token, path="/",
                               secure=runtime.settings.is_production, httponly=True, samesite="strict"))


async def sign_out(runtime: Runtime, connection: ASGIConnection, response: Response[Any]) -> None:
    """Audit the sign-out, forget the session everywhere, and tell the browser to drop what it holds."""
    principal = require_principal(connection)
    async with runtime.db.writing() as session:
        await audit.append(
            session,
            runtime.audit_keys,
            actor=principal.actor,
            action="auth.sign_out",
            object_type="officer",
            object_id=str(principal.officer_id),
        )
        await session.commit()
    sessions.end(connection)
    connection.scope["user"] = None
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    response.set_cookie(sessions.key_cookie(sessions.CookieNames.for_settings(runtime.settings), "", clear=True))
