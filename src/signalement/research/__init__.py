"""The research tier: aggregate usability metrics only, under ``/research/``. No route reaches case data.

It builds on the staff layer (sign-in, sessions, the guard) and never imports
the officer tier or anything that can open a key; ``pyproject.toml``'s import
contracts keep it so.
"""

from __future__ import annotations

from litestar import Router

from signalement.research.routes import routes
from signalement.runtime import Runtime
from signalement.staff.routing import router_options


def build_router(runtime: Runtime) -> Router:
    # Same sign-in, session and deny-by-default guard as the officer tier; research handlers declare
    # ``Permission.RESEARCH``, which only the researcher and supervisor roles hold.
    return Router(path="/research", route_handlers=routes(runtime), include_in_schema=False,
                  **router_options(runtime))
