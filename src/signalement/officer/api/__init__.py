"""The officer JSON API under ``/api/v1/``, documented at ``/schema`` (the only routes there)."""

from __future__ import annotations

from litestar import Router

from signalement.officer.api import cases, oversight, session
from signalement.runtime import Runtime
from signalement.staff.routing import router_options


def build_router(runtime: Runtime) -> Router:
    return Router(
        path="/api/v1",
        route_handlers=[*session.routes(runtime), *cases.routes(runtime), *oversight.routes(runtime)],
        tags=["officer"],
        **router_options(runtime, html=False),
    )
