"""The officer workspace's HTML pages under ``/officer/``: server-rendered, no script, CSP-clean."""

from __future__ import annotations

from litestar import Router

from signalement.officer.pages import auth, cases, oversight
from signalement.runtime import Runtime


def build_router(runtime: Runtime) -> Router:
    from signalement.officer import staff_router_options

    return Router(
        path="/officer",
        route_handlers=[*auth.routes(runtime), *cases.routes(runtime), *oversight.routes(runtime)],
        include_in_schema=False,
        **staff_router_options(runtime, html=True),
    )
