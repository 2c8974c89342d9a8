"""Usability events, counted in memory and written as aggregates: a page view makes no database write.

Every channel calls ``record(event, channel=..., language=..., step=..., ...)``.
The count goes into a dictionary keyed by the cell it belongs to (event,
step, field, channel, language, variant, hour, time bucket); a timer (and
the app's shutdown) flushes the dictionary in **one** write transaction that
adds each cell to ``funnel_counts`` and, in the same transaction, rolls
hourly cells older than ``hourly_days`` into day cells (``metrics.rollup``).
A crash loses at most one flush interval of counts, never a report.

What a cell can hold is the whole privacy argument: an event name from
``EVENTS``, a step or field *name* (never what was typed), the channel, the
language, the experiment arm and the hour. No case id, no visitor id, no
address, no user agent, no free text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable

import msgspec
from prometheus_client import Counter
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from signalement.db.engine import Database
from signalement.db.models import FunnelCount, coarse_hour
from signalement.metrics import rollup

logger = logging.getLogger("signalement.metrics")

# step_reached: the first time a visit gets as far as a step (so a funnel counts visits, not page loads).
EVENTS = frozenset({
    "step_viewed", "step_reached", "step_completed", "validation_error", "submitted", "abandoned",
    "followup_used", "feedback", "sms_step", "voice_step", "language_switched",
})
CHANNELS = frozenset({"web", "sms", "voice"})
NAME_LIMIT = 24
VARIANT_LIMIT = 32

# Time to complete, in minutes: bucket i holds durations up to DURATION_EDGES[i - 1] (0 means "not timed").
DURATION_EDGES: tuple[int, ...] = (1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 480, 1440)


class UnknownEventError(ValueError):
    """An event name outside ``EVENTS`` or a channel outside ``CHANNELS``: a programming error."""


class Cell(msgspec.Struct, frozen=True, array_like=True):
    """One aggregate cell. Hashable, so it is the counter's key."""

    hour: dt.datetime
    event: str
    step: str
    field: str
    channel: str
    language: str
    variant: str
    duration: int


def duration_bucket(seconds: float) -> int:
    """The bucket index (1-based) for a time to complete; the last bucket is open-ended."""
    minutes = max(0.0, seconds) / 60
    for i, edge in enumerate(DURATION_EDGES, start=1):
        if minutes <= edge:
            return i
    return len(DURATION_EDGES) + 1


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """(lower, upper) minutes of a bucket; the open last bucket reports its lower edge twice."""
    lower = 0.0 if bucket <= 1 else float(DURATION_EDGES[bucket - 2])
    upper = float(DURATION_EDGES[bucket - 1]) if bucket <= len(DURATION_EDGES) else lower
    return lower, upper


_SUBMISSIONS: Counter | None = None


def _submissions_counter() -> Counter:
    """``signalement_submissions_total{channel}``: created once per process (the registry is global)."""
    global _SUBMISSIONS
    if _SUBMISSIONS is None:
        _SUBMISSIONS = Counter("signalement_submissions_total", "Reports filed, by channel", ["channel"])
    return _SUBMISSIONS


class Recorder:
    """Counts events in memory; ``flush`` writes them as aggregates. Safe from any thread."""

    def __init__(self, clock: Callable[[], dt.datetime] | None = None,
                 hourly_days: int = rollup.DEFAULT_HOURLY_DAYS) -> None:
        self._counts: dict[Cell, int] = {}
        self._lock = threading.Lock()
        self._clock = clock or coarse_hour
        self.hourly_days = hourly_days
        self._rolled_before: dt.datetime | None = None  # the roll-up cut-off already applied
        self.flushed_cells = 0
        self.dropped_flushes = 0

    def record(self, event: str, *, channel: str, language: str, step: str = "", field: str = "",
               variant: str = "", seconds: float | None = None, count: int = 1) -> None:
        """Count one event. Costs a few microseconds and never touches the database."""
        if event not in EVENTS or channel not in CHANNELS:
            raise UnknownEventError(f"{event}/{channel}")
        cell = Cell(hour=self._clock().replace(minute=0, second=0, microsecond=0), event=event,
                    step=str(step)[:NAME_LIMIT], field=field[:NAME_LIMIT], channel=channel,
                    language=language[:8], variant=variant[:VARIANT_LIMIT],
                    duration=0 if seconds is None else duration_bucket(seconds))
        with self._lock:
            self._counts[cell] = self._counts.get(cell, 0) + count
        if event == "submitted":
            _submissions_counter().labels(channel=channel).inc(count)

    def pending(self) -> dict[Cell, int]:
        with self._lock:
            return dict(self._counts)

    def _take(self) -> dict[Cell, int]:
        with self._lock:
            taken, self._counts = self._counts, {}
        return taken

    def _give_back(self, cells: dict[Cell, int]) -> None:
        with self._lock:
            for cell, n in cells.items():
                self._counts[cell] = self._counts.get(cell, 0) + n

    async def flush(self, db: Database) -> int:
        """Add every pending cell to ``funnel_counts`` in one transaction. Returns the cells written.

        The same transaction rolls hourly cells older than ``hourly_days`` into
        day cells when the cut-off has moved since the last roll-up (once a day)
        or a pending cell is older than it. On failure the counts go back into
        memory for the next flush (a metrics outage must never cost a reporter
        anything, and loses nothing while the process lives)."""
        cells = self._take()
        before = rollup.cutoff(self.hourly_days, self._clock())
        roll = before != self._rolled_before or any(cell.hour < before for cell in cells)
        if not cells and not roll:
            return 0
        try:
            await write_cells(db, cells, roll_before=before if roll else None)
        except Exception as exc:
            self._give_back(cells)
            self.dropped_flushes += 1
            logger.warning("metrics_flush_failed", extra={"exc_type": type(exc).__name__, "cells": len(cells)})
            return 0
        if roll:
            self._rolled_before = before
        self.flushed_cells += len(cells)
        return len(cells)


async def write_cells(db: Database, cells: dict[Cell, int], roll_before: dt.datetime | None = None) -> None:
    """Add ``cells`` to ``funnel_counts``, then (with ``roll_before``) roll older hours into days: one commit."""
    table: Table = FunnelCount.__table__  # type: ignore[assignment]
    rows = [{**msgspec.structs.asdict(cell), "count": n} for cell, n in cells.items()]
    insert = pg_insert if db.is_postgres else sqlite_insert
    keys = [c.name for c in FunnelCount.__table__.c if c.name not in ("id", "count")]
    async with db.writing() as session:
        await rollup.lock(session)
        for i in range(0, len(rows), 500):
            stmt = insert(table).values(rows[i : i + 500])
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_={"count": table.c.count + stmt.excluded.count})
            await session.execute(stmt)
        if roll_before is not None:
            await rollup.roll_up_in(session, roll_before)
        await session.commit()


class Flusher:
    """Flushes a recorder on a timer; ``stop`` flushes one last time (the app's shutdown hook)."""

    def __init__(self, recorder: Recorder, db: Database, interval: float,
                 on_tick: Callable[[], object] | None = None) -> None:
        self.recorder = recorder
        self.db = db
        self.interval = interval
        self.on_tick = on_tick
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._stop = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="metrics-flush")

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
            except TimeoutError:
                pass
            await self.recorder.flush(self.db)
            if self.on_tick is not None:
                try:
                    result = self.on_tick()
                    if asyncio.iscoroutine(result):
                        await result
                except Exception as exc:  # housekeeping must never stop the flushes
                    logger.warning("metrics_tick_failed", extra={"exc_type": type(exc).__name__})

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            task, self._task = self._task, None
            try:
                await asyncio.wait_for(task, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
        await self.recorder.flush(self.db)
