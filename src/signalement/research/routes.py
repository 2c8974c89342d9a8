"""Research pages.

The funnel, drop-off, language mix, satisfaction and experiment dashboards belong to the research-metrics
issue; until it lands this tier serves no route, so nothing under ``/research/`` answers but 404. What the
intake tier already records for it (``signalement.metrics``) is coarse and identifier-free.
"""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from signalement.runtime import Runtime


def routes(runtime: Runtime) -> list[ControllerRouterHandler]:
    return []
