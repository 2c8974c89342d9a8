"""PostgreSQL's pool pings a connection only when it has sat idle: a text in steady traffic pays no ping, and a
connection the server dropped while it sat idle is replaced before anyone uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text

from signalement.db import engine
from signalement.db.engine import Database
from support import pg, roundtrips

pytestmark = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                     indirect=True)


@pytest.fixture
async def db(backend: str) -> AsyncIterator[Database]:
    name = pg.create_database("sig_idle_ping")
    database = Database(pg.sqlalchemy_url(name))
    try:
        yield database
    finally:
        await database.dispose()
        pg.drop_database(name)


async def trips_of_one_read(db: Database) -> int:
    counts = roundtrips.install()
    before = counts.postgres
    async with db.reading() as session:
        assert await session.scalar(text("select 1")) == 1
    return counts.postgres - before


async def test_a_connection_in_steady_use_is_not_pinged(db: Database) -> None:
    await trips_of_one_read(db)  # connects, prepares
    await trips_of_one_read(db)
    # BEGIN, the query, ROLLBACK: no ping (pool_pre_ping would add BEGIN, ';', ROLLBACK)
    assert await trips_of_one_read(db) == 3


async def test_an_idle_connection_is_pinged_once(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await trips_of_one_read(db)
    monkeypatch.setattr(engine, "IDLE_PING_SECONDS", 0.0)
    assert await trips_of_one_read(db) > 3  # the first ping also prepares its statement
    assert await trips_of_one_read(db) == 6  # the ping's three, then the read's three


async def test_a_connection_dropped_while_idle_is_replaced_before_use(db: Database,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    await trips_of_one_read(db)
    name = db.url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(pg.ADMIN_DSN)
    try:  # the server ends every session of this database (a restart, an idle timeout on a proxy)
        ended = await admin.fetchval("select count(pg_terminate_backend(pid)) from pg_stat_activity "
                                     "where datname = $1 and pid <> pg_backend_pid()", name)
    finally:
        await admin.close()
    assert ended >= 1
    monkeypatch.setattr(engine, "IDLE_PING_SECONDS", 0.0)  # as if it had sat idle long enough
    async with db.reading() as session:  # no error: the dead connection failed its ping and was replaced
        assert await session.scalar(text("select 1")) == 1
