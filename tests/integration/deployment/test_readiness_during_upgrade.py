"""/readyz during a rolling upgrade: the old release stays ready once the new one has migrated the schema.

The migration Job moves the database to the new release's head before any new pod starts. If old pods
then reported not ready because the schema is not *their* head, every pod would leave the load balancer
at once and the service would answer 503 until the first new pod came up. A schema at a revision this
release does not know is a newer release's: the old pods keep serving until replaced. A schema *behind*
this release's head (a new pod started before its migration) is still not ready.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from signalement.db.migrate import all_revisions, head_revision

pytestmark = pytest.mark.both_databases


@pytest.fixture
async def web(stack) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    """The app in this test's event loop, so it shares the runtime's PostgreSQL pool with the test."""
    transport = httpx.ASGITransport(app=stack.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def _set_revision(stack, revision: str) -> None:  # noqa: ANN001
    async with stack.runtime.db.writing() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        await session.commit()


async def test_a_schema_migrated_by_a_newer_release_keeps_this_one_ready(stack, web) -> None:
    await _set_revision(stack, "9999_from_the_next_release")
    r = await web.get("/readyz")
    assert r.status_code == 200, r.json()
    assert r.json()["checks"]["migrations"].startswith("ok (at 9999_from_the_next_release, newer than")


async def test_a_schema_behind_this_release_is_not_ready(stack, web) -> None:
    older = all_revisions()[-2]
    await _set_revision(stack, older)
    r = await web.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["migrations"] == f"at {older}, want {head_revision()}"
    await _set_revision(stack, head_revision())
    assert (await web.get("/readyz")).status_code == 200
