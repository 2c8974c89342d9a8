"""Fixtures for the officer tier: an in-loop HTTP client and ready-made staff accounts.

``web`` drives the app in the test's own event loop (httpx's ASGI transport),
so the test and the app can share the runtime's PostgreSQL pool: Litestar's
``AsyncTestClient`` runs the app on another thread's loop, and asyncpg
connections cannot cross loops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from signalement.db.models import Role
from signalement.staff import sessions
from support.officers import OfficerLogin, create_officer
from support.sessions import Clock

BASE_URL = "http://127.0.0.1"


def http_client(app: object, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


@pytest.fixture
async def web(stack) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    async with http_client(stack.app) as client:
        yield client


@pytest.fixture
def make_client(stack) -> Callable[..., httpx.AsyncClient]:  # noqa: ANN001
    """More browsers: ``async with make_client() as other: ...``."""
    return lambda address="127.0.0.1": http_client(stack.app, address)


@pytest.fixture
def staff(stack) -> Callable[..., Awaitable[OfficerLogin]]:  # noqa: ANN001
    async def make(
        role: Role | str = Role.OFFICER, region: str | None = "quebec", **kw: object
    ) -> OfficerLogin:
        return await create_officer(stack.runtime, stack.admin, role, region=region, **kw)  # type: ignore[arg-type]

    return make


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The staff sessions' clock, moved by hand (``clock.now += seconds``) instead of sleeping."""
    c = Clock(1_900_000_000.0)
    monkeypatch.setattr(sessions, "clock", c)
    return c
