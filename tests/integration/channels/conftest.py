"""A stack with a Twilio auth token and a public URL, and a test-owned pool on its database."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from signalement.db.engine import Database
from signalement.db.models import OutboxJob, utcnow
from signalement.runtime import Runtime
from support import pg
from support.stack import AppStack, SharedStack, SharedStacks, clone, new_runtime, share_stack
from support.twilio_peers import ACCOUNT_SID
from support.twilio_webhooks import TOKEN

PUBLIC_URL = "https://tips.example.ca"


class TwilioStack(AppStack, kw_only=True):
    backend: str
    admin: Any
    shared: SharedStack | None = None

    @functools.cached_property
    def app(self) -> Litestar:
        return self.shared.app if self.shared is not None else super().app


async def make_stack(backend: str, templates: Any, tmp_path: Path,
                     **overrides: object) -> tuple[TwilioStack, str | None]:
    settings, database = clone(templates[backend], tmp_path)
    overrides = {"twilio_auth_token": TOKEN, "public_url": PUBLIC_URL, **overrides}
    settings = msgspec.structs.replace(settings, **overrides)
    runtime = new_runtime(settings)
    return TwilioStack(settings=settings, runtime=runtime, backend=backend, admin=templates[backend].admin), database


@pytest.fixture
async def tw(backend: str, templates: Any, shared_stacks: SharedStacks, request: pytest.FixtureRequest,
             tmp_path: Path) -> AsyncIterator[TwilioStack]:
    """The worker's shared stack with the Twilio settings, reset to the template (``SharedStack``), or one of the
    test's own for a test marked ``fresh_stack``."""
    if share_stack(request):
        shared = shared_stacks.get(backend, twilio_auth_token=TOKEN, public_url=PUBLIC_URL)
        await shared.reset()
        try:
            yield TwilioStack(settings=shared.settings, runtime=shared.runtime, backend=backend,
                              admin=templates[backend].admin, shared=shared)
        finally:
            await shared.close()
        return
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
def served_settings(tw: TwilioStack) -> Any:  # noqa: ANN401
    """``db`` (tests/support/fixtures.py) is the test's own pool on the Twilio stack's database."""
    return tw.settings


@pytest.fixture
async def intake(tw: TwilioStack) -> AsyncIterator[Any]:
    """Intake on the test's own runtime (its pools belong to the test's event loop, not the app's)."""
    from signalement.intake import IntakeService

    runtime = Runtime(tw.settings)
    try:
        yield IntakeService(runtime)
    finally:
        await runtime.close()


def worker_runtime(tw: TwilioStack, base: str) -> Runtime:
    """A worker's runtime whose Twilio REST calls go to ``base`` (a fake or Prism on 127.0.0.1)."""
    settings = msgspec.structs.replace(tw.settings, twilio_api_base=base, twilio_account_sid=ACCOUNT_SID,
                                       twilio_auth_token=TOKEN, twilio_from_number="+15005550006")
    return Runtime(settings)


async def due_now(db: Database) -> None:
    async with db.writing() as s:  # time travel past a job's delay instead of sleeping
        await s.execute(update(OutboxJob).values(run_after=utcnow()))
        await s.commit()


async def jobs_in(db: Database) -> list[OutboxJob]:
    async with db.reading() as s:
        return list((await s.execute(select(OutboxJob).order_by(OutboxJob.id))).scalars())
