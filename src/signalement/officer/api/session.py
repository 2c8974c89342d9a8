"""``/api/v1/session``: who am I (and the CSRF token), sign in, sign out."""

from __future__ import annotations

from litestar import Request, Response, delete, get, post
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler
from litestar.utils.scope.state import ScopeState

from signalement.errors import SignalementError, TooManyAttemptsError
from signalement.officer.api.schemas import UNAUTHENTICATED, Me, SessionInfo, SignIn, StrictBody, problems
from signalement.runtime import Runtime
from signalement.staff import signin
from signalement.staff.access import Permission, Principal, Stage
from signalement.staff.guard import SetupRequiredError, declare


class SignInFailedError(SignalementError):
    """The username, password or code is wrong (the API never says which)."""

    status_code = 401
    title = "The username, password or code is not right"


def me(principal: Principal) -> Me:
    return Me(
        id=principal.officer_id,
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role.value,
        region=principal.region,
        setup_pending=principal.stage is Stage.SETUP,
    )


def csrf_token(request: Request) -> str:
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    throttle = signin.throttle_for(runtime)

    @get("/session", opt=declare(Permission.PUBLIC), responses=problems(), summary="Who is signed in",
         security=UNAUTHENTICATED)
    async def whoami(request: Request) -> SessionInfo:
        """The signed-in account (if any) and the CSRF token to send as ``X-CSRFToken`` on changes."""
        user = request.scope.get("user")
        principal = user if isinstance(user, Principal) else None
        return SessionInfo(
            authenticated=principal is not None,
            csrf_token=csrf_token(request),
            officer=me(principal) if principal else None,
        )

    @post(
        "/session",
        opt=declare(Permission.PUBLIC),
        security=UNAUTHENTICATED,
        dto=StrictBody[SignIn],
        return_dto=None,
        status_code=200,
        responses=problems(),
        summary="Sign in",
    )
    async def sign_in(request: Request, data: JSONBody[SignIn]) -> Response[SessionInfo]:
        """Password and TOTP code. An account that must still change its first password or enrol
        TOTP is told to do so in the workspace (403)."""
        client = runtime.client_hasher.for_connection(request, "signin")
        result = await signin.sign_in(
            runtime, throttle, username=data.username, password=data.password, code=data.code, client=client
        )
        if result.outcome is signin.Outcome.THROTTLED:
            raise TooManyAttemptsError
        if result.outcome is signin.Outcome.FAILED:
            raise SignInFailedError
        if result.outcome is signin.Outcome.SETUP:
            raise SetupRequiredError
        # A placeholder token, replaced below once the session exists.
        response: Response[SessionInfo] = Response(SessionInfo(authenticated=True, csrf_token=""))  # nosec B106
        signin.start_session(request, runtime, result, response)
        # The session's own CSRF token: one issued before sign-in no longer passes.
        response.content = SessionInfo(authenticated=True, csrf_token=csrf_token(request))
        return response

    @delete(
        "/session", opt=declare(Permission.SESSION), status_code=204, responses=problems(), summary="Sign out"
    )
    async def sign_out(request: Request) -> Response[None]:
        """End the session everywhere: the store entry goes, and the browser clears its cookies and cache."""
        response: Response[None] = Response(None, status_code=204)
        await signin.sign_out(runtime, request, response)
        return response

    return [whoami, sign_in, sign_out]
