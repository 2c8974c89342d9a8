"""Research pages (placeholder until the metrics issue)."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from signalement.runtime import Runtime


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    return []
