"""The research tier: aggregate usability metrics only, under ``/research/``. No route reaches case data.

It builds on the staff layer (sign-in, sessions, the guard) and never imports
the officer tier or anything that can open a case key; ``pyproject.toml``'s
import contracts keep it so. The one key it can reach is the research key in
a researcher's own session (``staff.research_session``), which opens page
feedback comments and nothing else.
"""

from __future__ import annotations

from litestar import Router

from signalement.research.pages import ResearchController
from signalement.runtime import Runtime
from signalement.staff.routing import router_options


def build_router(runtime: Runtime) -> Router:
    # Same sign-in, session and deny-by-default guard as the officer tier; research handlers declare
    # ``Permission.RESEARCH``, which only the researcher and supervisor roles hold.
    return Router(path="/research", route_handlers=[ResearchController], include_in_schema=False,
                  **router_options(runtime))
