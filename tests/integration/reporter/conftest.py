"""Fixtures for reporter integration tests (the helpers live in ``reporting``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from integration.reporter.reporting import Opener, Reporter, add_officer_reply, build_opener
from signalement.db.engine import Database


@pytest.fixture
def reporter(client: AsyncTestClient[Litestar]) -> Reporter:
    return Reporter(client)


@pytest.fixture
def sqlite_only(backend: str) -> None:
    """For what the browser renders, which the database cannot change: check it once, before any stack."""
    if backend == "postgres":
        pytest.skip("rendering does not depend on the database: this check runs on the SQLite stack only")


@pytest.fixture
async def db(stack: Any) -> AsyncIterator[Database]:
    """The test's own pool on the stack's database (the client runs the app on another event loop)."""
    database = Database(stack.settings.db_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def opener(stack: Any, db: Database) -> Opener:
    return await build_opener(stack, db)


@pytest.fixture
def officer_reply(stack: Any, db: Database) -> Callable[[str, str], Awaitable[None]]:
    async def reply(case_id: str, text: str) -> None:
        await add_officer_reply(stack.runtime, db, case_id, text)

    return reply
