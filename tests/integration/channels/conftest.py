"""A stack with a Twilio auth token and a public URL, and a test-owned pool on its database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from signalement.app import create_app
from signalement.db.engine import Database
from signalement.runtime import Runtime
from support import pg
from support.stack import clone
from support.twilio_webhooks import TOKEN

PUBLIC_URL = "https://tips.example.ca"


class TwilioStack(msgspec.Struct, kw_only=True):
    settings: Any
    runtime: Runtime
    app: Litestar
    backend: str
    admin: Any


async def make_stack(backend: str, templates: Any, tmp_path: Path,
                     **overrides: object) -> tuple[TwilioStack, str | None]:
    settings, database = clone(templates[backend], tmp_path)
    overrides = {"twilio_auth_token": TOKEN, "public_url": PUBLIC_URL, **overrides}
    settings = msgspec.structs.replace(settings, **overrides)
    runtime = Runtime(settings)
    return TwilioStack(settings=settings, runtime=runtime, app=create_app(settings, runtime=runtime),
                       backend=backend, admin=templates[backend].admin), database


@pytest.fixture
async def tw(backend: str, templates: Any, tmp_path: Path) -> AsyncIterator[TwilioStack]:
    stack, database = await make_stack(backend, templates, tmp_path)
    try:
        yield stack
    finally:
        await stack.runtime.close()
        if database:
            pg.drop_database(database)


@pytest.fixture
async def tw_client(tw: TwilioStack) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(tw.app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
async def db(tw: TwilioStack) -> AsyncIterator[Database]:
    """The test's own pool (the client runs the app on another event loop)."""
    database = Database(tw.settings.db_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def intake(tw: TwilioStack) -> AsyncIterator[Any]:
    """Intake on the test's own runtime (its pools belong to the test's event loop, not the app's)."""
    from signalement.intake import IntakeService

    runtime = Runtime(tw.settings)
    try:
        yield IntakeService(runtime)
    finally:
        await runtime.close()
