"""Fixtures for reporter integration tests (the helpers live in ``reporting``).

Browser modules share one server and one Chromium per module (``browser_stack``, ``module_chromium``):
each test opens its own browser context, so tests stay apart and the module stays fast.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from integration.reporter.reporting import BrowserStack, Elsewhere, Opener, Reporter, add_officer_reply, build_opener
from signalement.db.engine import Database
from signalement.runtime import Runtime
from support.browser import require_chromium
from support.live import LiveServer, start_server
from support.stack import Template, clone


@pytest.fixture
def reporter(client: AsyncTestClient[Litestar]) -> Reporter:
    return Reporter(client)


@pytest.fixture
def sqlite_only(backend: str) -> None:
    """For what the browser renders, which the database cannot change: check it once, before any stack."""
    if backend == "postgres":
        pytest.skip("rendering does not depend on the database: this check runs on the SQLite stack only")


@pytest.fixture
async def opener(stack: Any, db: Database) -> Opener:
    return await build_opener(stack, db)


@pytest.fixture
def officer_reply(stack: Any, db: Database) -> Callable[[str, str], Awaitable[None]]:
    async def reply(case_id: str, text: str) -> None:
        await add_officer_reply(stack.runtime, db, case_id, text)

    return reply


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser_server(
    templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory, elsewhere: str
) -> Iterator[tuple[Any, LiveServer]]:
    require_chromium()
    settings, _database = clone(templates["sqlite"], tmp_path_factory.mktemp("quick-exit"))
    live = start_server(
        settings,
        tmp_path_factory.mktemp("quick-exit-log") / "server.log",
        # Each browser context gets its own forwarded address (BrowserStack.headers): one rate-limit
        # bucket per test, as if each were another phone, so a fast module never meets the 429 page.
        extra_env={"SIGNALEMENT_QUICK_EXIT_URL": f"{elsewhere}/weather", "SIGNALEMENT_TRUSTED_PROXIES": "127.0.0.1"},
    )
    try:
        yield settings, live
    finally:
        live.stop()
        print(live.logs()[-4000:])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser_stack(browser_server: tuple[Any, LiveServer], elsewhere: str) -> AsyncIterator[BrowserStack]:
    settings, live = browser_server
    runtime = Runtime(settings)
    db = Database(settings.db_url)
    try:
        yield BrowserStack(live, runtime, db, elsewhere)
    finally:
        await db.dispose()
        await runtime.close()

