"""Fixtures for the research tier: an app with an experiment configured, driven in the test's own loop."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest

from signalement.runtime import Runtime
from support.stack import AppStack

EXPERIMENT = "danger-wording@danger:control=1,plain=1"


def http_client(app: object, address: str = "127.0.0.1") -> httpx.AsyncClient:
    raise_errors = bool(os.environ.get("RAISE_APP"))  # RAISE_APP=1: see the traceback instead of a 500 page
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_errors, client=(address, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


class ResearchStack(AppStack, kw_only=True):
    base: Any

    @property
    def admin(self) -> Any:  # noqa: ANN401
        return self.base.admin


@pytest.fixture
async def research_stack(stack: Any) -> AsyncIterator[ResearchStack]:  # noqa: ANN401
    """The test's stack, served again with an experiment running (same database and keys)."""
    settings = msgspec.structs.replace(stack.settings, experiment=EXPERIMENT, experiment_min_sample=100)
    runtime = Runtime(settings)
    try:
        yield ResearchStack(base=stack, settings=settings, runtime=runtime)
    finally:
        await runtime.close()
