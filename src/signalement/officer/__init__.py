"""The officer tier: ``/officer/`` pages and the ``/api/v1/`` JSON API.

Both routers share one session middleware (officer sessions exist nowhere
else: reporters never receive a session cookie) and one guard that denies
every route unless it declares a permission the caller's role holds.
``staff_router_options`` gives any other staff-facing router (``/research/``)
the same session, guard and sign-in redirects.
"""

from __future__ import annotations

from typing import Any

from litestar.types import ControllerRouterHandler

from signalement.officer.guard import SetupRequiredError, SignInRequiredError, authorize
from signalement.officer.sessions import session_config
from signalement.runtime import Runtime


def staff_router_options(runtime: Runtime, *, html: bool = True) -> dict[str, Any]:
    """Keyword arguments for a ``Router`` that serves signed-in staff: sessions, the guard, the language,
    and (for HTML) the redirects to sign-in and set-up. Its handlers declare
    ``opt=guard.declare(Permission.X)``."""
    from signalement.officer.pages.rendering import activate_language, setup_redirect, sign_in_redirect

    options: dict[str, Any] = {
        "middleware": [session_config(runtime.settings).middleware],
        "guards": [authorize],
        "before_request": activate_language,
    }
    if html:
        options["exception_handlers"] = {
            SignInRequiredError: sign_in_redirect,
            SetupRequiredError: setup_redirect,
        }
    return options


def build_routers(runtime: Runtime) -> list[ControllerRouterHandler]:
    from signalement.officer.api import build_router as api_router
    from signalement.officer.pages import build_router as page_router

    return [page_router(runtime), api_router(runtime)]
