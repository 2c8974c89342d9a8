"""The one guard on every staff route (officer and research tiers): who is asking, and may they?

It reads the session, enforces the idle and absolute timeouts, re-reads the
account from the database (a removed account, a changed role or a reset
credential takes effect on the very next request), and checks the
permission the route declares. A route that declares none is refused to
everyone: forgetting to declare access fails closed.

What it re-reads is checked, not trusted: the credential row's MAC under the
staff keys (a role raised by an UPDATE ends the session), and the sign-in
audit entry the session names. A change a signed-in browser makes must carry
the CSRF token issued to its own session (``staff.integrity``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select

from signalement import audit
from signalement.db.models import AuditEntry, Officer, OfficerCredential, Role
from signalement.errors import ForbiddenError, SignalementError
from signalement.runtime import Runtime
from signalement.settings import Settings
from signalement.staff import integrity, sessions, typed_work
from signalement.staff.access import PERMISSION_KEY, Permission, Principal, Stage

_PRINCIPAL = "signalement.principal"
_EXPIRED_OFFICER = "signalement.expired_officer"


class SignInRequiredError(SignalementError):
    """No session, or it expired: sign in again."""

    status_code = 401
    title = "Sign-in required"


class WorkKeptError(SignInRequiredError):
    """The session expired before a form was sent; what was typed is kept sealed (``staff.typed_work``)."""

    def __init__(self, cookie: Cookie, next_path: str) -> None:
        super().__init__("typed work kept")
        self.cookie, self.next_path = cookie, next_path


class SetupRequiredError(SignalementError):
    """The account must change its first password or enrol TOTP before doing anything else."""

    status_code = 403
    title = "Finish setting up your account first"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfMismatchError(ForbiddenError):
    """The CSRF token was not issued to this session."""

    title = "This form was not issued to your session. Reload the page and try again."


def runtime_of(connection: ASGIConnection) -> Runtime:
    return connection.app.state.runtime


def csrf_cookie_name(settings: Settings) -> str:
    """The CSRF cookie's name (``app`` configures Litestar's check with the same)."""
    return "__Host-csrf" if settings.is_production else "csrftoken"


async def resolve(connection: ASGIConnection) -> Principal | None:
    """The signed-in principal, or ``None``. Cached for the rest of the request."""
    if _PRINCIPAL in connection.scope:
        return connection.scope[_PRINCIPAL]  # type: ignore[literal-required]
    principal = await _load(connection)
    connection.scope[_PRINCIPAL] = principal  # type: ignore[literal-required]
    connection.scope["user"] = principal
    return principal


async def _load(connection: ASGIConnection) -> Principal | None:
    state = sessions.read_state(connection)
    if state is None:
        return None
    runtime = runtime_of(connection)
    if sessions.expired(state, runtime.settings):
        # Who it was, for this request only: typed work sent now can still be kept for them (``typed_work``).
        connection.scope[_EXPIRED_OFFICER] = state.officer_id  # type: ignore[literal-required]
        sessions.end(connection)
        return None
    async with runtime.db.reading() as db:
        row = (
            await db.execute(
                select(Officer, OfficerCredential, AuditEntry.action, AuditEntry.object_id)
                .join(OfficerCredential, OfficerCredential.officer_id == Officer.id)
                .outerjoin(AuditEntry, AuditEntry.seq == state.signin_seq)
                .where(Officer.id == state.officer_id)
            )
        ).first()
    if row is None or not row[0].active or row[1].updated_at.isoformat() != state.credential_at:
        sessions.end(connection)
        return None
    officer: Officer = row[0]
    if not _credential_authentic(runtime, officer, row[1]):
        # The account's row (its role, region or credential) was changed behind the service's back.
        sessions.end(connection)
        async with runtime.db.writing() as db:
            await audit.append(db, runtime.audit_keys, actor="unknown", action="auth.credential_rejected",
                               object_type="officer", object_id=str(officer.id), detail={"during": "request"})
            await db.commit()
        return None
    if (row[2], row[3]) != ("auth.sign_in", str(officer.id)):
        # The session names no recorded sign-in of this account (``audit verify`` tells what became of it).
        sessions.end(connection)
        return None
    state = sessions.touch(connection, state)
    return Principal(
        officer_id=officer.id,
        username=officer.username,
        display_name=officer.display_name,
        role=Role(officer.role),
        region=officer.region,
        stage=state.stage,
    )


async def authorize(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Router guard: deny unless the route declares a permission the principal's role has."""
    permission = handler.opt.get(PERMISSION_KEY)
    if not isinstance(permission, Permission):
        raise ForbiddenError("route declares no permission")
    principal = await resolve(connection)
    if permission is Permission.PUBLIC:
        return
    if principal is None:
        await _keep_typed_work(connection, handler)
        raise SignInRequiredError
    if connection.scope.get("method", "GET") not in SAFE_METHODS:
        _check_csrf_bound(connection)
    if principal.stage is Stage.SETUP and permission is not Permission.SESSION:
        raise SetupRequiredError
    if not principal.may(permission):
        raise ForbiddenError


async def _keep_typed_work(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """A form sent just after its session expired: keep the words sealed for the officer's next sitting.

    Only for routes that promise it, only for the officer whose session this was (it just expired: the store
    still names them), and only with the CSRF token issued to that session."""
    promise = typed_work.promise_of(handler.opt)
    officer_id = connection.scope.get(_EXPIRED_OFFICER)
    if promise is None or not isinstance(officer_id, int) or not isinstance(connection, Request):
        return
    if connection.scope.get("method") != "POST":
        return
    runtime = runtime_of(connection)
    session_id = sessions.session_id_of(connection)
    token = connection.cookies.get(csrf_cookie_name(runtime.settings))
    if session_id is None or not integrity.csrf_bound(runtime.staff_keys, session_id, token):
        return
    text = (await connection.form()).get(promise.field)
    if not isinstance(text, str) or not text.strip():
        return
    page = typed_work.return_path(connection.url.path)
    cookie = await typed_work.keep(connection, runtime.settings, officer_id, page, promise.kind, text)
    raise WorkKeptError(cookie, page + (f"#{promise.anchor}" if promise.anchor else ""))


def _credential_authentic(runtime: Runtime, officer: Officer, cred: OfficerCredential) -> bool:
    return integrity.credential_mac_ok(
        runtime.staff_keys, cred.mac, officer_id=officer.id, username=officer.username, role=str(officer.role),
        region=officer.region, kdf=cred.kdf, blob=cred.blob, holds_master_key=bool(cred.holds_master_key),
    )


def _check_csrf_bound(connection: ASGIConnection) -> None:
    runtime = runtime_of(connection)
    session_id = sessions.session_id_of(connection)
    token = connection.cookies.get(csrf_cookie_name(runtime.settings))
    if session_id is None or not integrity.csrf_bound(runtime.staff_keys, session_id, token):
        raise CsrfMismatchError


def require_principal(connection: ASGIConnection) -> Principal:
    principal = connection.scope.get(_PRINCIPAL)
    if not isinstance(principal, Principal):
        raise SignInRequiredError
    return principal


def declare(permission: Permission, **extra: Any) -> dict[str, Any]:
    """The ``opt`` a route handler passes to declare its access."""
    return {PERMISSION_KEY: permission, **extra}
