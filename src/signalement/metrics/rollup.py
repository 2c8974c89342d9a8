"""Day roll-up of the usability cells: hourly cells older than a few days become day cells.

The flush writes hourly cells (``funnel_counts``); in the same transaction
``roll_up`` adds every hourly cell older than ``metrics_hourly_days`` to its
day cell (``funnel_days``) and deletes it. A count therefore lives in exactly
one of the two tables at any moment, and the research pages sum both:

* **Atomic.** Adding to the day and deleting the hour commit together or not
  at all; a crash in between leaves the hour where it was.
* **Idempotent.** A second roll-up finds nothing older than the cut-off and
  changes nothing; counts flushed late for an old hour (after a failed flush)
  are rolled by the next one.
* **One at a time.** On PostgreSQL, replicas serialize their roll-ups (and
  flushes) on a transaction-level advisory lock, so two replicas never read
  the same hourly rows; SQLite has a single writer anyway.

Why: a year of hourly cells at 50,000 reports a year is about 1.5 million
rows, too many to sum for every dashboard view; and a small hourly count
(one SMS report in Punjabi at 03:00) lines up with a case's received hour,
which a day does much less.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Date, Table, cast, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.db.engine import Database, rows_affected
from signalement.db.models import FunnelCount, FunnelDay, utcnow

CELL_KEY = ("event", "step", "field", "channel", "language", "variant", "duration")
DEFAULT_HOURLY_DAYS = 2
_LOCK = 7243014  # pg_advisory_xact_lock id for flushes and roll-ups (the audit chain uses 7243001)


def cutoff(hourly_days: int, now: dt.datetime | None = None) -> dt.datetime:
    """Midnight UTC ``hourly_days`` days ago: hourly cells before it are rolled into days."""
    today = (now or utcnow()).astimezone(dt.UTC).date()
    return dt.datetime.combine(today - dt.timedelta(days=hourly_days), dt.time(), tzinfo=dt.UTC)


async def lock(session: AsyncSession) -> None:
    """Serialize metric writes across replicas (PostgreSQL); SQLite's writer is already single."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))


def _day_of(hour: ColumnElement[dt.datetime], postgres: bool) -> ColumnElement[dt.date]:
    if postgres:
        return cast(func.timezone("UTC", hour), Date)
    return func.date(hour)  # SQLite stores UTC as "YYYY-MM-DD HH:MM:SS", like a Date's "YYYY-MM-DD"


async def roll_up_in(session: AsyncSession, before: dt.datetime) -> int:
    """In the caller's transaction: move hourly cells before ``before`` into day cells. Returns cells moved."""
    postgres = session.get_bind().dialect.name == "postgresql"
    hours: Table = FunnelCount.__table__  # type: ignore[assignment]
    days: Table = FunnelDay.__table__  # type: ignore[assignment]
    day = _day_of(hours.c.hour, postgres)
    key = [hours.c[name] for name in CELL_KEY]
    source = (
        select(day, *key, func.sum(hours.c["count"]))
        .where(hours.c.hour < before)
        .group_by(day, *key)
    )
    insert = (pg_insert if postgres else sqlite_insert)(days).from_select(["day", *CELL_KEY, "count"], source)
    insert = insert.on_conflict_do_update(
        index_elements=[*CELL_KEY, "day"], set_={"count": days.c["count"] + insert.excluded["count"]}
    )
    await session.execute(insert)
    return await rows_affected(session, delete(hours).where(hours.c.hour < before))


async def roll_up(db: Database, hourly_days: int = DEFAULT_HOURLY_DAYS, now: dt.datetime | None = None) -> int:
    """Roll hourly cells older than ``hourly_days`` into day cells, in one transaction of its own."""
    async with db.writing() as session:
        await lock(session)
        moved = await roll_up_in(session, cutoff(hourly_days, now))
        await session.commit()
    return moved
