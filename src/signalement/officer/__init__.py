"""The officer tier: ``/officer/`` pages and the ``/api/v1/`` JSON API.

Both routers are mounted with the staff layer's router options (one session
middleware, one deny-by-default guard); sign-in and account pages come from
``staff.pages`` and live under ``/officer/`` with the workspace.
"""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from signalement.runtime import Runtime


def build_routers(runtime: Runtime) -> list[ControllerRouterHandler]:
    from signalement.officer.api import build_router as api_router
    from signalement.officer.pages import build_router as page_router

    return [page_router(runtime), api_router(runtime)]
