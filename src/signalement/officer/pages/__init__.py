"""The officer workspace's HTML pages under ``/officer/``: server-rendered, no script, CSP-clean."""

from __future__ import annotations

from litestar import Router

from signalement.officer.pages import cases, oversight, workload
from signalement.runtime import Runtime
from signalement.staff.pages import StaffPages
from signalement.staff.routing import router_options


def build_router(runtime: Runtime) -> Router:
    return Router(
        path="/officer",
        route_handlers=[StaffPages, *cases.routes(runtime), *oversight.routes(runtime),
                       *workload.routes(runtime)],
        include_in_schema=False,
        **router_options(runtime, html=True),
    )
