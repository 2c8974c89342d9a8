"""The one guard on every staff route (officer and research tiers): who is asking, and may they?

It reads the session, enforces the idle and absolute timeouts, re-reads the
account from the database (a removed account, a changed role or a reset
credential takes effect on the very next request), and checks the
permission the route declares. A route that declares none is refused to
everyone: forgetting to declare access fails closed.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select

from signalement.db.models import Officer, OfficerCredential, Role
from signalement.errors import ForbiddenError, SignalementError
from signalement.runtime import Runtime
from signalement.staff import sessions
from signalement.staff.access import PERMISSION_KEY, Permission, Principal, Stage

_PRINCIPAL = "signalement.principal"


class SignInRequiredError(SignalementError):
    """No session, or it expired: sign in again."""

    status_code = 401
    title = "Sign-in required"


class SetupRequiredError(SignalementError):
    """The account must change its first password or enrol TOTP before doing anything else."""

    status_code = 403
    title = "Finish setting up your account first"


def runtime_of(connection: ASGIConnection) -> Runtime:
    return connection.app.state.runtime


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
        sessions.end(connection)
        return None
    async with runtime.db.reading() as db:
        row = (
            await db.execute(
                select(Officer, OfficerCredential.updated_at)
                .join(OfficerCredential, OfficerCredential.officer_id == Officer.id)
                .where(Officer.id == state.officer_id)
            )
        ).first()
    if row is None or not row[0].active or row[1].isoformat() != state.credential_at:
        sessions.end(connection)
        return None
    officer: Officer = row[0]
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
        raise SignInRequiredError
    if principal.stage is Stage.SETUP and permission is not Permission.SESSION:
        raise SetupRequiredError
    if not principal.may(permission):
        raise ForbiddenError


def require_principal(connection: ASGIConnection) -> Principal:
    principal = connection.scope.get(_PRINCIPAL)
    if not isinstance(principal, Principal):
        raise SignInRequiredError
    return principal


def declare(permission: Permission, **extra: Any) -> dict[str, Any]:
    """The ``opt`` a route handler passes to declare its access."""
    return {PERMISSION_KEY: permission, **extra}
