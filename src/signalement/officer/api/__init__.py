"""The officer JSON API under ``/api/v1/``, documented at ``/schema`` (the only routes there)."""

from __future__ import annotations

from litestar import Router

from signalement.officer.api import cases, oversight, session
from signalement.runtime import Runtime


def build_router(runtime: Runtime) -> Router:
    from signalement.officer import staff_router_options

    return Router(
        path="/api/v1",
        route_handlers=[*session.routes(runtime), *cases.routes(runtime), *oversight.routes(runtime)],
        tags=["officer"],
        **staff_router_options(runtime, html=False),
    )
