"""The day roll-up: old hourly cells become day cells once, atomically, and the research numbers do not move."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from signalement.db.models import FunnelCount, FunnelDay
from signalement.metrics import aggregates, rollup
from signalement.metrics.events import Recorder

pytestmark = pytest.mark.both_databases  # the roll-up is one INSERT … SELECT … ON CONFLICT per dialect

NOW = dt.datetime(2026, 11, 23, 15, 20, tzinfo=dt.UTC)


def _hours_back(hours: int) -> dt.datetime:
    return NOW.replace(minute=0) - dt.timedelta(hours=hours)


async def _fill(db: Any, recorder_hours: list[int]) -> None:  # noqa: ANN401
    """Cells at each hour back from NOW, flushed without a roll-up (cut-off pushed far back)."""
    for back in recorder_hours:
        recorder = Recorder(clock=lambda back=back: _hours_back(back), hourly_days=10_000)
        for _ in range(12):
            recorder.record("step_reached", channel="web", language="pa", step="what", variant="x:plain")
        for _ in range(11):
            recorder.record("submitted", channel="web", language="pa", variant="x:plain", seconds=300)
        recorder.record("feedback", channel="sms", language="en", step="receipt", field="yes")
        await recorder.flush(db)


async def _tables(db: Any) -> tuple[int, int, int, int]:  # noqa: ANN401
    async with db.reading() as s:
        return (await s.scalar(select(func.count()).select_from(FunnelCount)),
                int(await s.scalar(select(func.coalesce(func.sum(FunnelCount.count), 0)))),
                await s.scalar(select(func.count()).select_from(FunnelDay)),
                int(await s.scalar(select(func.coalesce(func.sum(FunnelDay.count), 0)))))


async def _report(db: Any) -> aggregates.Report:  # noqa: ANN401
    filters = aggregates.Filters(since=NOW.date() - dt.timedelta(days=30), until=NOW.date())
    return await aggregates.build_report(db, filters, k=10, experiment=None, min_sample=10, now=NOW)


async def test_old_hours_roll_into_days_once_and_the_report_does_not_move(stack: Any) -> None:  # noqa: ANN401
    db = stack.runtime.db
    # Two cells in each of four old hours (three days ago, two of them in the same day) and two recent hours.
    await _fill(db, [72, 73, 100, 120, 1, 5])
    before = await _report(db)
    hourly_rows, total, day_rows, _ = await _tables(db)
    assert (hourly_rows, day_rows) == (18, 0)

    moved = await rollup.roll_up(db, hourly_days=2, now=NOW)
    assert moved == 12  # 4 old hours × 3 cells: 72 h and 73 h back are 20 Nov, 100 h 19 Nov, 120 h 18 Nov
    hourly_rows, hourly_total, day_rows, day_total = await _tables(db)
    assert hourly_rows == 6 and day_rows == 9  # 3 days × 3 cells
    assert hourly_total + day_total == total
    async with db.reading() as s:
        oldest = await s.scalar(select(func.min(FunnelCount.hour)))
        days = sorted(set((await s.execute(select(FunnelDay.day))).scalars()))
        merged = await s.scalar(select(FunnelDay.count).where(FunnelDay.day == dt.date(2026, 11, 20),
                                                              FunnelDay.event == "step_reached"))
    assert oldest >= rollup.cutoff(2, NOW)
    assert days == [dt.date(2026, 11, 18), dt.date(2026, 11, 19), dt.date(2026, 11, 20)]
    assert merged == 24  # two hours of the same day summed into one day cell

    after = await _report(db)
    assert after == before  # every number, suppressed or not, is the same from days as from hours

    assert await rollup.roll_up(db, hourly_days=2, now=NOW) == 0  # idempotent
    assert await _tables(db) == (hourly_rows, hourly_total, day_rows, day_total)


async def test_late_counts_for_a_rolled_day_add_to_it(stack: Any) -> None:  # noqa: ANN401
    db = stack.runtime.db
    await _fill(db, [80])
    await rollup.roll_up(db, hourly_days=2, now=NOW)
    # A flush that failed earlier gives its counts back and writes them later, for the same old hour: the
    # flush itself rolls them up (they are older than its cut-off) into the existing day cells.
    clock = [_hours_back(80)]
    late = Recorder(clock=lambda: clock[0], hourly_days=2)
    late.record("submitted", channel="web", language="pa", variant="x:plain", seconds=300)
    clock[0] = NOW  # the flush runs now; the cell keeps its old hour
    await late.flush(db)
    hourly_rows, _, day_rows, day_total = await _tables(db)
    assert (hourly_rows, day_rows, day_total) == (0, 3, 25)


async def test_a_roll_up_that_does_not_commit_changes_nothing(stack: Any) -> None:  # noqa: ANN401
    db = stack.runtime.db
    await _fill(db, [72, 1])
    snapshot = await _tables(db)
    async with db.writing() as session:
        await rollup.lock(session)
        assert await rollup.roll_up_in(session, rollup.cutoff(2, NOW)) == 3
        await session.rollback()  # a crash between the insert and the delete is this rollback
    assert await _tables(db) == snapshot


async def test_the_flush_rolls_up_once_a_day_without_being_asked(stack: Any) -> None:  # noqa: ANN401
    db = stack.runtime.db
    await _fill(db, [72, 1])
    clock = [NOW]
    recorder = Recorder(clock=lambda: clock[0], hourly_days=2)
    await recorder.flush(db)  # nothing pending, but the first flush of a process applies the cut-off
    assert (await _tables(db))[2] == 3
    await _fill(db, [50])  # 50 h back: after today's cut-off (midnight two days ago is 63 h back)...
    await recorder.flush(db)
    assert (await _tables(db))[0] == 6  # ...and the cut-off has not moved: no roll-up, no write
    clock[0] = NOW + dt.timedelta(days=1)
    await recorder.flush(db)  # the next day the cut-off moves
    assert (await _tables(db))[0] == 3
