"""Research snapshots: each dashboard window's report, computed off the request path and stored suppressed.

Summing a year of cells and a year of case metadata takes seconds at 50,000
reports a year (docs/performance.md), far over the 200 ms a research page may
take. So the report for each window the dashboard offers (``PERIODS``, every
channel and language) is computed by the housekeeping timer
(``Refresher.kick``, off the request path, in a task of its own so flushes
are never held up) and stored in ``research_snapshots``; the pages and
exports render the latest one and say when it was computed.

* **Exact.** A snapshot is ``aggregates.build_report`` itself, run at
  ``computed_at``: the same numbers a live computation gives at that moment.
* **Suppressed at rest.** What is stored is the report as the pages show it:
  every count under ``k`` is already ``"<k"``; no raw small cell is ever
  written. A snapshot made with another ``k`` is not served.
* **Bounded staleness.** A window is recomputed once its snapshot is older
  than ``research_snapshot_seconds`` (default 300), checked on every
  housekeeping tick (``metrics_flush_seconds``, default 60): a figure is at
  most about ``research_snapshot_seconds + metrics_flush_seconds`` plus one
  computation old (six minutes by default), and counts still in memory wait
  for their flush as before.
* **Filtered views** (one channel or one language) are not precomputed (the
  dashboard offers 3 × 4 × 9 of them): the first view computes and stores
  one; later views within ``research_snapshot_seconds`` read it.
* **Several replicas.** Each checks the stored snapshot's age before
  computing, and a write is an upsert by scope that only replaces an older
  snapshot: two replicas computing at once store one whole report, the
  newer, never a mix.
* **First boot.** With no snapshot for a window, the page computes it on
  demand (slow once) and stores it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import msgspec
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from signalement.db.engine import Database
from signalement.db.models import ResearchSnapshot, utcnow
from signalement.metrics import aggregates
from signalement.metrics.experiments import Experiment

logger = logging.getLogger(__name__)

PERIODS = (30, 90, 365)  # the dashboard's periods, in days; each is precomputed for every channel and language
DEFAULT_PERIOD = 90
DEFAULT_MAX_AGE = 300.0


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    report: aggregates.Report
    computed_at: dt.datetime


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """What a report depends on besides the data: the pages and the timer pass the app's settings."""

    k: int
    experiment: Experiment | None
    min_sample: int
    max_age: float = DEFAULT_MAX_AGE  # seconds


def scope(days: int, channel: str = "", language: str = "") -> str:
    return f"{days}:{channel}:{language}"


async def read(db: Database, days: int, channel: str = "", language: str = "") -> Snapshot | None:
    async with db.reading() as session:
        row = (await session.execute(
            select(ResearchSnapshot.computed_at, ResearchSnapshot.body)
            .where(ResearchSnapshot.scope == scope(days, channel, language)))).first()
    if row is None:
        return None
    return Snapshot(report=msgspec.json.decode(row[1], type=aggregates.Report), computed_at=row[0])


async def store(db: Database, days: int, channel: str, language: str, snapshot: Snapshot) -> None:
    """Upsert by scope; a snapshot older than the one stored never replaces it (replicas race harmlessly)."""
    table: Table = ResearchSnapshot.__table__  # type: ignore[assignment]
    values = {"scope": scope(days, channel, language), "computed_at": snapshot.computed_at,
              "body": msgspec.json.encode(snapshot.report)}
    async with db.writing() as session:
        insert = (pg_insert if db.is_postgres else sqlite_insert)(table).values(**values)
        insert = insert.on_conflict_do_update(
            index_elements=["scope"],
            set_={"computed_at": insert.excluded.computed_at, "body": insert.excluded.body},
            where=table.c.computed_at < insert.excluded.computed_at,
        )
        await session.execute(insert)
        await session.commit()


async def compute(db: Database, days: int, channel: str, language: str, settings: Settings,
                  now: dt.datetime | None = None) -> Snapshot:
    """The window's report as of ``now``, suppressed, and stored."""
    now = now or utcnow()
    base = aggregates.default_filters(days, today=now.astimezone(dt.UTC).date())
    filters = aggregates.Filters(since=base.since, until=base.until, channel=channel, language=language)
    report = await aggregates.build_report(db, filters, k=settings.k, experiment=settings.experiment,
                                           min_sample=settings.min_sample, now=now)
    snapshot = Snapshot(report=report, computed_at=now)
    await store(db, days, channel, language, snapshot)
    return snapshot


def _fresh(snapshot: Snapshot | None, settings: Settings, now: dt.datetime) -> bool:
    return (snapshot is not None and snapshot.report.k == settings.k
            and snapshot.computed_at > now - dt.timedelta(seconds=settings.max_age))


async def latest(db: Database, days: int, channel: str, language: str, settings: Settings) -> Snapshot:
    """What a page shows: the stored snapshot, or one computed now if there is none (or it cannot be used).

    The precomputed windows (no channel or language filter) are served however old (the timer keeps them
    within the bound; a stalled timer shows its age on the page rather than taking seconds per view);
    filtered views are recomputed once older than ``max_age``."""
    snapshot = await read(db, days, channel, language)
    if snapshot is not None and snapshot.report.k == settings.k:
        if (not channel and not language) or _fresh(snapshot, settings, utcnow()):
            return snapshot
    return await compute(db, days, channel, language, settings)


async def refresh(db: Database, settings: Settings, now: dt.datetime | None = None) -> int:
    """Recompute every precomputed window whose snapshot is missing or older than ``max_age``; returns how many."""
    done = 0
    for days in PERIODS:
        moment = now or utcnow()
        if _fresh(await read(db, days), settings, moment):
            continue  # another replica (or an earlier tick) did it
        await compute(db, days, "", "", settings, now=moment)
        done += 1
    return done


class Refresher:
    """Runs ``refresh`` in a task of its own, one at a time, so the flusher's tick never waits for it."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._task: asyncio.Task[int] | None = None

    def kick(self) -> asyncio.Task[int]:
        """Start a refresh unless one is running; returns the running one (tests await it)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="research-snapshots")
        return self._task

    @property
    def last(self) -> asyncio.Task[int] | None:
        """The latest refresh started (running or done)."""
        return self._task

    async def _run(self) -> int:
        try:
            return await refresh(self.db, self.settings)
        except Exception as exc:  # the next tick tries again; the pages keep the last snapshot
            logger.warning("research_snapshot_failed", extra={"exc_type": type(exc).__name__})
            return 0

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
