"""The research tier: aggregate usability metrics only, under ``/research/``. No route reaches case data."""

from __future__ import annotations

from litestar import Router

from signalement.runtime import Runtime


def build_router(runtime: Runtime) -> Router:
    from signalement.research.routes import routes

    return Router(path="/research", route_handlers=routes(runtime), include_in_schema=False)
