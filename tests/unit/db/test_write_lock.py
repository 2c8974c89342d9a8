"""SQLite's write lock file: a writer waiting for another, in another process, starts as soon as it is let go.

SQLite's own ``busy_timeout`` handler polls in growing sleeps (up to 100 ms); every write transaction first
takes an exclusive ``flock`` on ``<database>.lock``, which the kernel hands to the next waiter at release, and
frees when its holder dies. These tests use two real processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import statistics
import subprocess  # nosec B404 - the second process of the test, started from our own interpreter
import sys
import time
from typing import cast

import pytest
from sqlalchemy import Table, func, insert, select

from signalement.db import engine
from signalement.db.engine import Database, Write, is_unavailable
from signalement.db.models import TwilioWebhook

WEBHOOKS = cast(Table, TwilioWebhook.__table__)
WHEN = dt.datetime(2026, 12, 4, 17, 40, tzinfo=dt.UTC)

# The other process: for each line "KEY SECONDS" on its stdin, takes the lock through a session
# (``Database.writing()``: the lock, BEGIN IMMEDIATE, an insert), says "held", holds it SECONDS (forever if
# negative), commits and prints when it let go. One process serves all of a test's rounds, as one server process
# serves many requests: a new Python spends about a second importing SQLAlchemy and the models.
HOLDER = """
import asyncio, datetime as dt, sys, time
from sqlalchemy import insert
from signalement.db.engine import Database
from signalement.db.models import TwilioWebhook

async def main(path):
    db = Database("sqlite+aiosqlite:///" + path)
    for line in sys.stdin:
        key, hold = line.split()
        async with db.writing() as session:
            await session.execute(insert(TwilioWebhook.__table__).values(
                sid_index=key, kind="sms", reply=b"x", delete_after=dt.datetime(2026, 12, 4, tzinfo=dt.UTC)))
            print("held", flush=True)
            await asyncio.sleep(float(hold) if float(hold) >= 0 else 3600)
            await session.commit()
        print(repr(time.time()), flush=True)
    await db.dispose()

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
def db(head_db: Database) -> Database:
    """An empty SQLite database at the newest schema (``tests/unit/db/conftest.py``)."""
    return head_db


def db_path(db: Database) -> str:
    return db.url.split("///", 1)[1]


class Holder:
    """The other process (``HOLDER``), started once for a test and stopped by PID."""

    def __init__(self, db: Database) -> None:
        self.process = subprocess.Popen(  # nosec B603 - our own interpreter and script
            [sys.executable, "-c", HOLDER, db_path(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def hold(self, key: str, seconds: float) -> None:
        """Returns once it has the lock and SQLite's (BEGIN IMMEDIATE done)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{key} {seconds}\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "held"

    def released(self) -> float:
        """When it let go (its clock, ``time.time()``)."""
        assert self.process.stdout is not None
        return float(self.process.stdout.readline().strip())

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def holder(db: Database, key: str, hold: float) -> Holder:
    process = Holder(db)
    process.hold(key, hold)
    return process


def webhook(key: str) -> Write:
    return Write(insert(WEBHOOKS).values(sid_index=key, kind="sms", reply=b"y", delete_after=WHEN))


async def write_with_session(db: Database, key: str) -> None:
    async with db.writing() as session:
        await session.execute(webhook(key).statement)
        await session.commit()


async def count(db: Database) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(TwilioWebhook)) or 0)


@pytest.mark.parametrize("how", ["write_all", "session"])
async def test_a_waiting_writer_in_another_process_starts_within_ms_of_the_release(db: Database, how: str) -> None:
    """The other process holds the lock a while; this one waits (the lock is taken). Its wait ends within a
    few ms of the holder's commit, where busy_timeout would wake at its next sleep step (25-100 ms late once it
    has waited a quarter second). The median of five rounds, so a descheduled round on a busy machine passes."""
    assert db.write_lock is not None
    late = []
    process = Holder(db)
    try:
        for n in range(5):
            process.hold(f"held{n}", 0.25 + 0.07 * n)
            started = time.perf_counter()
            if how == "write_all":
                await db.write_all([webhook(f"waited{n}")])
            else:
                await write_with_session(db, f"waited{n}")
            assert time.perf_counter() - started > 0.2  # it did wait for the other process
            late.append(db.write_lock.waits.at - process.released())
    finally:
        process.stop()
    assert db.write_lock.waits.waited >= 5
    assert await count(db) == 10
    print("late by, ms:", [round(x * 1000, 1) for x in late])
    assert statistics.median(late) < 0.025, [round(x * 1000, 1) for x in late]


async def test_a_holder_killed_mid_transaction_frees_the_lock_and_keeps_nothing(db: Database) -> None:
    process = holder(db, "killed", -1)  # holds the lock and SQLite's, forever
    try:
        waiting = asyncio.create_task(db.write_all([webhook("after")]))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # it is waiting for the holder
        os.kill(process.process.pid, signal.SIGKILL)
        killed = time.perf_counter()
        await asyncio.wait_for(waiting, 5)
        assert time.perf_counter() - killed < 2  # freed by the kernel, not after busy_timeout's 10 s
    finally:
        process.stop()
    await write_with_session(db, "session after")
    async with db.reading() as session:
        keys = set((await session.scalars(select(TwilioWebhook.sid_index))).all())
    assert keys == {"after", "session after"}  # the killed transaction left nothing


@pytest.mark.parametrize("writer", ["session", "write_all"])
async def test_a_writer_that_stops_waiting_lets_the_lock_go(db: Database, writer: str) -> None:
    """A request cancelled (client gone) while its session or its ``write_all`` waits for the lock: the
    cancelled write never happens, the lock (when it comes to the abandoned wait) is let go at once, and other
    writers go on."""
    assert db.write_lock is not None
    fd = db.write_lock.take_blocking()  # this test holds it
    write = write_with_session(db, "cancelled") if writer == "session" else db.write_all([webhook("cancelled")])
    waiting = asyncio.create_task(write)
    await asyncio.sleep(0.2)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    os.close(fd)
    await asyncio.wait_for(db.write_all([webhook("next")]), 5)
    await asyncio.wait_for(write_with_session(db, "and next"), 5)
    async with db.reading() as session:
        keys = set((await session.scalars(select(TwilioWebhook.sid_index))).all())
    assert keys == {"next", "and next"}


async def test_write_all_gives_up_after_the_bounded_wait_as_the_database_being_busy(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holds the lock and does not let go (stopped, or a very long transaction): ``write_all``
    waits ``WRITE_LOCK_TIMEOUT``, no longer, and says so with an error the app answers with its calm 503.
    Nothing is written, and once the holder is gone the next write goes through."""
    monkeypatch.setattr(engine, "WRITE_LOCK_TIMEOUT", 0.3)
    process = holder(db, "held", -1)
    try:
        started = time.perf_counter()
        with pytest.raises(TimeoutError) as caught:
            await asyncio.wait_for(db.write_all([webhook("timed out")]), 5)
        assert time.perf_counter() - started < 2, "waited past the bound"
        assert is_unavailable(caught.value)  # the app's calm 503, as for any busy database
    finally:
        process.stop()
    await asyncio.wait_for(db.write_all([webhook("after")]), 5)
    async with db.reading() as session:
        keys = set((await session.scalars(select(TwilioWebhook.sid_index))).all())
    assert keys == {"after"}
