"""Fixtures shared by every test folder (loaded by ``tests/conftest.py`` as a pytest plugin).

What is expensive to start is started once and only when a test asks for it:

* ``twilio_prism``: one Prism (Twilio's OpenAPI description, checked by Node) per session, which under xdist
  means one per worker; it keeps no state, so tests can share it.
* ``db``: the test's own pool on the database of the stack it uses (``served_settings`` says which: the
  test's ``stack`` here, the Twilio stack ``tw`` in ``integration/channels``).
* ``twilio_live``: a real ``signalement serve`` on the test's stack with the Twilio test token, for the
  SMS and voice privacy tests.
* ``module_stack`` and ``module_chromium``: a stack (SQLite) and a Chromium for a whole module, for modules
  that share one server and one browser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest
import pytest_asyncio

from signalement.app import create_app
from signalement.db.engine import Database
from signalement.runtime import Runtime
from signalement.settings import Settings
from support.browser import chromium
from support.live import LiveServer, start_server
from support.stack import Template, clone
from support.twilio_peers import prism
from support.twilio_webhooks import TOKEN


@pytest.fixture(scope="session")
def twilio_prism() -> Iterator[str]:
    """The base URL of one Prism mock of Twilio's REST API for the session (started on first use)."""
    with prism() as base:
        yield base


@pytest.fixture
def served_settings(stack: Any) -> Settings:  # noqa: ANN401
    """The settings of the stack a test works on (folders may point this at another stack fixture)."""
    return stack.settings  # type: ignore[no-any-return]


@pytest.fixture
async def db(served_settings: Settings) -> AsyncIterator[Database]:
    """The test's own pool on its stack's database (the client runs the app on another event loop)."""
    database = Database(served_settings.db_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def twilio_live(stack: Any, tmp_path: Path) -> Iterator[LiveServer]:  # noqa: ANN401
    """``signalement serve`` on the test's stack, with the token the signed Twilio webhooks use."""
    settings = msgspec.structs.replace(stack.settings, twilio_auth_token=TOKEN)
    server = start_server(settings, tmp_path / "server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_chromium() -> AsyncIterator[Any]:
    """One headless Chromium per module (each test opens its own contexts); the module's tests run in the
    module's event loop (``pytest.mark.asyncio(loop_scope="module")``)."""
    async with chromium() as browser:
        yield browser


@asynccontextmanager
async def module_stack(template: Template, root: Path) -> AsyncIterator[Any]:
    """A stack on a private copy of ``template`` for a module-scoped fixture (same fields as ``Stack``)."""
    settings, _database = clone(template, root)
    assert _database is None, "module stacks are SQLite: what they check does not depend on the database"
    runtime = Runtime(settings)
    try:
        yield SimpleNamespace(settings=settings, runtime=runtime, app=create_app(settings, runtime=runtime),
                              admin=template.admin, backend=template.backend)
    finally:
        await runtime.close()
