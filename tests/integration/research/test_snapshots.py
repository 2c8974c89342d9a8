"""Research snapshots (metrics.snapshots): the pages read a precomputed, already suppressed report.

Runs on SQLite and PostgreSQL: the upsert (INSERT ... ON CONFLICT ... WHERE) differs between the two.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from integration.research.conftest import http_client
from signalement import metrics
from signalement.app import create_app
from signalement.db.models import ResearchSnapshot, Role, utcnow
from signalement.metrics import snapshots
from signalement.research.pages import snapshot_settings
from signalement.runtime import Runtime
from support.officers import create_officer, sign_in

pytestmark = pytest.mark.both_databases  # the upsert by scope is dialect-specific

# Every count a report carries (rates, intervals, quantiles and durations are not counts).
COUNT_KEYS = {"reached", "completed", "dropped", "errors", "started", "submitted", "count", "cases", "sla_met",
              "sla_breached", "sla_pending", "yes", "no", "followup_visits", "language_switches"}


def visits(runtime: Any, n: int, *, language: str = "en") -> None:  # noqa: ANN401
    """``n`` web visits that each reach the first step and send a report."""
    for _ in range(n):
        metrics.record(runtime, "step_reached", channel="web", language=language, step="what")
        metrics.record(runtime, "submitted", channel="web", language=language, seconds=300)


async def submitted(client: Any, query: str = "days=30") -> object:  # noqa: ANN401
    exported = await client.get(f"/research/export.json?{query}")
    assert exported.status_code == 200
    return exported.json()["report"]["overall"]["submitted"]


def small_counts(value: object, k: int, path: str = "") -> list[str]:
    """Paths of every count in ``value`` that is a number between 1 and k - 1 (a cell that should read "<k")."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}"
            if key in COUNT_KEYS and isinstance(item, int) and not isinstance(item, bool) and 0 < item < k:
                found.append(here)
            found += small_counts(item, k, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += small_counts(item, k, f"{path}[{i}]")
    return found


async def test_the_page_shows_the_snapshot_until_the_timer_refreshes_it(research_stack: Any) -> None:  # noqa: ANN401
    runtime = research_stack.runtime
    visits(runtime, 30)
    await runtime.recorder.flush(runtime.db)
    researcher = await create_officer(runtime, research_stack.admin, Role.RESEARCHER, region=None)
    async with http_client(research_stack.app, "127.0.8.2") as client:
        token = await sign_in(client, runtime, researcher)
        page = await client.get("/research/?days=30")  # first boot: no snapshot yet, computed on demand
        assert page.status_code == 200 and "Figures as of" in page.text
        stored = await snapshots.read(runtime.db, 30)
        assert stored is not None and stored.computed_at.strftime("%Y-%m-%d %H:%M UTC") in page.text
        switched = await client.post("/officer/language",
                                     data={"_csrf_token": token, "language": "fr", "next": "/research/"})
        assert switched.status_code == 303
        assert "Chiffres au " in (await client.get("/research/?days=30")).text
        assert await submitted(client) == 30

        visits(runtime, 20)
        await runtime.recorder.flush(runtime.db)
        assert await submitted(client) == 30  # the page reads the snapshot, not the live cells

        # The housekeeping timer's refresher recomputes a window once its snapshot is older than the bound.
        fresh = snapshots.Refresher(runtime.db, snapshot_settings(runtime))
        assert await fresh.kick() == len(snapshots.PERIODS) - 1  # the windows nobody has viewed yet
        assert await fresh.kick() == 0  # all younger than research_snapshot_seconds: nothing to do
        assert await submitted(client) == 30
        assert await submitted(client, "days=365") == 50  # computed after the second flush
        stale = snapshots.Refresher(runtime.db, msgspec.structs.replace(snapshot_settings(runtime), max_age=1e-6))
        assert await stale.kick() == len(snapshots.PERIODS)
        assert await submitted(client) == 50

        # A filtered view is computed on its first view, then read from its snapshot within the bound.
        assert await submitted(client, "days=30&language=en") == 50
        visits(runtime, 15)
        await runtime.recorder.flush(runtime.db)
        assert await submitted(client, "days=30&language=en") == 50
        assert await submitted(client) == 50


async def test_no_snapshot_holds_a_cell_under_k(research_stack: Any) -> None:  # noqa: ANN401
    runtime = research_stack.runtime
    k = runtime.settings.research_k
    visits(runtime, 40)
    visits(runtime, 3, language="vi")  # a rare language: must never be stored as 3
    for _ in range(4):
        metrics.record(runtime, "step_reached", channel="voice", language="pa", step="what")
    metrics.record(runtime, "feedback", channel="web", language="en", step="receipt", field="no")
    await runtime.recorder.flush(runtime.db)
    settings = snapshot_settings(runtime)
    assert await snapshots.refresh(runtime.db, settings) == len(snapshots.PERIODS)
    for channel, language in (("voice", ""), ("", "vi"), ("web", "vi")):
        await snapshots.latest(runtime.db, 30, channel, language, settings)

    async with runtime.db.reading() as s:
        stored = (await s.execute(select(ResearchSnapshot.scope, ResearchSnapshot.body))).all()
    assert {scope for scope, _ in stored} >= {"30::", "90::", "365::", "30:voice:", "30::vi", "30:web:vi"}
    for scope, body in stored:
        report = msgspec.json.decode(body)
        assert report["k"] == k
        assert small_counts(report, k) == [], scope
        assert report["overall"]["submitted"] in (43, 40, "<10", 0), scope
    raw = b"".join(body for _, body in stored)
    assert b'"<10"' in raw  # the rare cells are there, suppressed
    # The test can fail: the walker does find a raw small count.
    assert small_counts({"cells": [{"count": 3}]}, k) == [".cells[0].count"]


async def test_two_replicas_computing_at_once_store_one_whole_report(research_stack: Any) -> None:  # noqa: ANN401
    runtime = research_stack.runtime
    visits(runtime, 25)
    await runtime.recorder.flush(runtime.db)
    other = Runtime(runtime.settings)  # a second replica: its own engine and pool on the same database
    try:
        create_app(runtime.settings, runtime=other)
        first, second = snapshot_settings(runtime), snapshot_settings(other)
        now = utcnow()
        earlier, later = now - dt.timedelta(seconds=5), now
        done = await asyncio.gather(
            snapshots.compute(runtime.db, 30, "", "", first, now=later),
            snapshots.compute(other.db, 30, "", "", second, now=earlier),
            snapshots.refresh(runtime.db, first),
            snapshots.refresh(other.db, second),
        )
        assert done[2] + done[3] >= len(snapshots.PERIODS) - 1  # 90 and 365 days at least once (30 above)
        async with runtime.db.reading() as s:
            rows = (await s.execute(select(ResearchSnapshot.scope, ResearchSnapshot.computed_at,
                                           ResearchSnapshot.body))).all()
        assert sorted(scope for scope, _, _ in rows) == ["30::", "365::", "90::"]  # one row per window
        for _, _, body in rows:
            report = msgspec.json.decode(body, type=snapshots.aggregates.Report)  # whole, never a mix
            assert report.overall.submitted == 25
        # An older computation finishing last never replaces a newer snapshot.
        newest = await snapshots.read(runtime.db, 30)
        assert newest is not None and newest.computed_at >= later
        old = msgspec.structs.replace(newest, computed_at=newest.computed_at - dt.timedelta(minutes=10))
        await snapshots.store(other.db, 30, "", "", old)
        kept = await snapshots.read(runtime.db, 30)
        assert kept is not None and kept.computed_at == newest.computed_at
    finally:
        await other.close()


async def test_the_housekeeping_tick_refreshes_the_snapshots_off_its_own_path(research_stack: Any) -> None:  # noqa: ANN401
    from signalement.app import _housekeeping

    runtime = research_stack.runtime
    visits(runtime, 12)
    await runtime.recorder.flush(runtime.db)
    refresher = snapshots.Refresher(runtime.db, snapshot_settings(runtime))
    await _housekeeping(runtime, refresher)()  # returns before the refresh is done: it runs in its own task
    assert refresher.last is not None
    assert await refresher.last == len(snapshots.PERIODS)  # that task computed every period
    for days in snapshots.PERIODS:
        stored = await snapshots.read(runtime.db, days)
        assert stored is not None and stored.report.overall.submitted == 12
    await refresher.stop()


def test_the_snapshot_interval_must_be_positive() -> None:
    from signalement.settings import SettingsError, load_settings

    assert load_settings({}).research_snapshot_seconds == 300
    with pytest.raises(SettingsError, match="RESEARCH_SNAPSHOT_SECONDS"):
        load_settings({"SIGNALEMENT_RESEARCH_SNAPSHOT_SECONDS": "0"})
