"""The router options every staff-facing router shares: sessions, the guard, the language, sign-in redirects.

The officer tier (``/officer/``, ``/api/v1/``) and the research tier
(``/research/``) both mount their routers with ``router_options``. Nothing
imported here can open a key: the research tier builds on this module and
must never reach one.
"""

from __future__ import annotations

from typing import Any

from signalement.runtime import Runtime
from signalement.staff.guard import SetupRequiredError, SignInRequiredError, authorize
from signalement.staff.rendering import activate_language, setup_redirect, sign_in_redirect
from signalement.staff.sessions import session_config


def router_options(runtime: Runtime, *, html: bool = True) -> dict[str, Any]:
    """Keyword arguments for a ``Router`` that serves signed-in staff: sessions, the guard, the language,
    and (for HTML) the redirects to sign-in and set-up. Its handlers declare ``opt=guard.declare(Permission.X)``."""
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
