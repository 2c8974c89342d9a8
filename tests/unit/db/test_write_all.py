"""``Database.write_all``: the webhooks' one-shot write transaction, on SQLite and PostgreSQL.

All or nothing, committed when it returns, errors as SQLAlchemy's own, values stored exactly as a session
stores them; and on SQLite the write lock is never held while the event loop is busy elsewhere."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from signalement.db.engine import Database, Write
from signalement.db.models import OutboxJob, SmsSession, TwilioWebhook
from signalement.outbox import SealedJob, enqueue_once_write
from support import roundtrips

pytestmark = pytest.mark.both_databases
SESSIONS = cast(Table, SmsSession.__table__)
WEBHOOKS = cast(Table, TwilioWebhook.__table__)
WHEN = dt.datetime(2026, 12, 4, 16, 5, 7, 123456, tzinfo=dt.UTC)


class LostRaceError(Exception):
    pass


@pytest.fixture
def db(backend: str, head_db: Database) -> Database:
    """An empty database at the newest schema, on the test's ``backend`` (``tests/unit/db/conftest.py``)."""
    return head_db


def webhook(key: str) -> Write:
    return Write(insert(WEBHOOKS).values(sid_index=key, kind="sms", reply=b"\x00sealed", delete_after=WHEN))


def session_row(key: str, version: int = 1) -> Write:
    return Write(insert(SESSIONS).values(phone_index=key, version=version, state=b"\x01state", delete_after=WHEN))


async def count(db: Database, model: type, **where: object) -> int:
    async with db.reading() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(query) or 0)


async def test_commits_every_statement_and_values_read_back_as_a_session_wrote_them(db: Database) -> None:
    await db.write_all([session_row("p1"), webhook("w1")])
    async with db.reading() as session:
        row = (await session.execute(select(SmsSession).where(SmsSession.phone_index == "p1"))).scalar_one()
        hook = (await session.execute(select(TwilioWebhook).where(TwilioWebhook.sid_index == "w1"))).scalar_one()
    assert (row.version, row.state, row.delete_after) == (1, b"\x01state", WHEN)
    assert (hook.kind, hook.reply, hook.delete_after) == ("sms", b"\x00sealed", WHEN)


async def test_a_required_statement_that_changes_nothing_rolls_everything_back(db: Database) -> None:
    await db.write_all([session_row("p1")])
    stale = update(SESSIONS).where(SESSIONS.c.phone_index == "p1", SESSIONS.c.version == 7).values(version=8)
    with pytest.raises(LostRaceError):
        await db.write_all([webhook("w1"), Write(stale, required=LostRaceError)])
    assert await count(db, TwilioWebhook) == 0
    fresh = update(SESSIONS).where(SESSIONS.c.phone_index == "p1", SESSIONS.c.version == 1).values(version=2)
    await db.write_all([webhook("w1"), Write(fresh, required=LostRaceError)])
    assert await count(db, TwilioWebhook) == 1
    assert await count(db, SmsSession, version=2) == 1


async def test_a_unique_key_taken_is_integrity_error_and_keeps_nothing(db: Database) -> None:
    await db.write_all([webhook("w1")])
    with pytest.raises(IntegrityError):
        await db.write_all([session_row("p2"), webhook("w1")])
    assert await count(db, SmsSession) == 0
    await db.write_all([session_row("p2")])  # the connection is usable again, out of any transaction
    assert await count(db, SmsSession) == 1


async def test_a_job_is_queued_once_per_dedupe_key(db: Database) -> None:
    job = SealedJob(kind="purge", payload=b"\x02sealed", dedupe_key="d1", run_after=WHEN)
    for _ in range(2):
        await db.write_all([enqueue_once_write(job, db.dialect)])
    async with db.reading() as session:
        jobs = list((await session.execute(select(OutboxJob))).scalars())
    assert [(j.kind, j.payload, j.run_after, j.status) for j in jobs] == [("purge", b"\x02sealed", WHEN, "pending")]


async def test_concurrent_transactions_for_one_key_make_one_row(db: Database) -> None:
    results = await asyncio.gather(*(db.write_all([webhook("w1")]) for _ in range(5)), return_exceptions=True)
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, IntegrityError) for r in results if r is not None)
    assert await count(db, TwilioWebhook) == 1


async def test_sqlite_commits_without_waiting_for_the_event_loop(db: Database, backend: str) -> None:
    """The loop is blocked right after the transaction starts: it still commits and frees SQLite's lock, so
    other writers (other conversations, other workers) never queue behind a busy event loop."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    task = asyncio.create_task(db.write_all([session_row("p1"), webhook("w1")]))
    await asyncio.sleep(0)  # the transaction is handed over ...
    time.sleep(0.5)  # noqa: ASYNC251 - on purpose: the event loop is busy elsewhere and does not come back
    other = sqlite3.connect(str(db.url).split("///", 1)[1], isolation_level=None, timeout=0)
    try:
        assert other.execute("SELECT count(*) FROM twilio_webhooks").fetchone() == (1,)  # committed
        other.execute("BEGIN IMMEDIATE")  # and the write lock is free (timeout 0: no waiting)
        other.execute("ROLLBACK")
    finally:
        other.close()
    await task


WEBHOOK_ROW = insert(WEBHOOKS).values(sid_index=bindparam("k"), kind="sms", reply=bindparam("reply"),
                                      delete_after=bindparam("after", type_=WEBHOOKS.c.delete_after.type))


def webhook_row(key: str) -> Write:
    return Write(WEBHOOK_ROW, {"k": key, "reply": b"\x00" + key.encode(), "after": WHEN})


async def test_rows_of_one_constant_statement_are_written_in_one_execution(db: Database, backend: str) -> None:
    """A report's sealed fields: one constant INSERT, several rows. On PostgreSQL each execution is a round
    trip, and each round trip resumes every coroutine of the request: the rows go in one ``executemany``."""
    executions: list[tuple[object, bool]] = []

    def executed(_conn: object, _cursor: object, _sql: str, params: object, _context: object, many: bool) -> None:
        executions.append((params, many))

    event.listen(db.writer.sync_engine, "before_cursor_execute", executed)
    try:
        await db.write_all([session_row("p1"), webhook_row("w1"), webhook_row("w2"), webhook_row("w3")])
    finally:
        event.remove(db.writer.sync_engine, "before_cursor_execute", executed)
    async with db.reading() as session:
        rows = (await session.execute(select(TwilioWebhook).order_by(TwilioWebhook.sid_index))).scalars().all()
    assert [(r.sid_index, r.reply, r.delete_after) for r in rows] == [
        (k, b"\x00" + k.encode(), WHEN) for k in ("w1", "w2", "w3")]
    assert await count(db, SmsSession) == 1
    if backend == "postgres":
        assert [many for _, many in executions] == [False, True]  # the session row, then the webhook rows at once
        assert len(executions[1][0]) == 3  # type: ignore[arg-type]


async def test_a_taken_key_among_rows_written_at_once_keeps_nothing(db: Database) -> None:
    await db.write_all([webhook_row("w2")])
    with pytest.raises(IntegrityError):
        await db.write_all([session_row("p1"), webhook_row("w1"), webhook_row("w2"), webhook_row("w3")])
    assert await count(db, SmsSession) == 0
    assert await count(db, TwilioWebhook) == 1


async def test_a_lone_statement_is_one_round_trip_on_postgres(db: Database, backend: str) -> None:
    """PostgreSQL runs one statement as a transaction of its own, all or nothing: sent alone, without BEGIN and
    COMMIT, it is one round trip instead of three (a web report's case and sealed fields are one statement)."""
    if backend != "postgres":
        pytest.skip("SQLite's write_all is one call to its writer thread however many statements")
    counts = roundtrips.install()
    await db.write_all([webhook_row("w0")])  # prepares the statement on its connection
    before = counts.postgres
    await db.write_all([webhook_row("w1")])
    assert counts.postgres - before == 1
    assert await count(db, TwilioWebhook) == 2


async def test_a_lone_required_statement_that_changes_nothing_raises(db: Database) -> None:
    await db.write_all([session_row("p1")])
    stale = update(SESSIONS).where(SESSIONS.c.phone_index == "p1", SESSIONS.c.version == 7).values(version=8)
    with pytest.raises(LostRaceError):
        await db.write_all([Write(stale, required=LostRaceError)])
    assert await count(db, SmsSession, version=1) == 1


async def test_a_session_after_a_lone_statement_still_keeps_nothing_it_did_not_commit(db: Database) -> None:
    """The lone statement's autocommit must not outlive it on the pooled connection: a ``writing()`` session
    that takes that connection next keeps only what it commits."""
    await db.write_all([webhook_row("w1")])
    async with db.writing() as session:
        await session.execute(insert(WEBHOOKS).values(sid_index="w2", kind="sms", reply=b"\x00", delete_after=WHEN))
    assert await count(db, TwilioWebhook) == 1
