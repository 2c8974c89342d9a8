"""The research tier: aggregate usability metrics only, under ``/research/``. No route reaches case data."""

from __future__ import annotations

from litestar import Router

from signalement.runtime import Runtime


def build_router(runtime: Runtime) -> Router:
    from signalement.officer import staff_router_options
    from signalement.research.routes import routes

    # Same sign-in, session and deny-by-default guard as the officer tier; research handlers declare
    # ``Permission.RESEARCH``, which only the researcher and supervisor roles hold.
    return Router(path="/research", route_handlers=routes(runtime), include_in_schema=False,
                  **staff_router_options(runtime))
