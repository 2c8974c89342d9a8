"""``kill -9`` in the middle of a flood of reports loses nothing that was acknowledged.

Thirty-two reporters walk the real web form, over real sockets, against a real ``signalement serve``.
When enough of them hold a receipt, the server's whole process group is killed with SIGKILL (no
shutdown hook runs, no buffer is flushed) and the server is started again on the same data. Then:

* every receipt a reporter was shown names a case that is in the database and opens, with the
  officer's key, to exactly what that reporter wrote;
* a reporter whose "Send" got no answer sends the same page again, as a browser's retry would: the
  draft carries the submission id, so a report committed before the crash is not filed twice;
* the database holds exactly the acknowledged and retried reports, nothing else, and SQLite's
  ``integrity_check`` is ``ok``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from integration.reporter.reporting import FLOW, Page, Reporter, build_opener
from signalement.db.engine import Database
from signalement.db.models import Case
from support.live import LiveServer, start_server

pytestmark = [pytest.mark.both_databases, pytest.mark.timeout(60)]

SUBMITTERS = 32
ACKED_BEFORE_KILL = 16
LOAD_SECONDS = 25.0
# One address for all 32: the per-address limit is not what this test is about.
UNLIMITED = {"SIGNALEMENT_RATE_LIMIT_PER_MINUTE": "1000000"}


class Submitter:
    """One reporter filing reports one after another; remembers what a retry after the crash needs."""

    def __init__(self, index: int, base_url: str) -> None:
        self.index = index
        self.client = httpx.AsyncClient(base_url=base_url, timeout=30)
        self.acked: dict[str, str] = {}  # case code -> the story this reporter wrote in it
        self.pending: tuple[Page, str] | None = None  # the review page and story of a Send left unanswered
        self.serial = 0

    def story(self) -> str:
        return f"Report {self.index}-{self.serial}: the employer keeps our passports and pays late."

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                self.serial += 1
                story = self.story()
                flow = [dict(step) for step in FLOW]
                flow[4]["narrative"] = story
                reporter = Reporter(self.client)  # type: ignore[arg-type]
                review = await reporter.fill(flow)
                self.pending = (review, story)
                page = await reporter.submit()
                assert page.status == 200, page.text[:500]
                code, _secret = page.receipt()
                self.acked[code] = story
                self.pending = None
        except (httpx.TransportError, httpx.RemoteProtocolError):
            return  # the server died under us; ``pending`` says whether a Send was unanswered

    async def retry(self, base_url: str) -> str | None:
        """Send the unanswered page again to the restarted server (same cookies, same draft)."""
        if self.pending is None:
            return None
        review, story = self.pending
        async with httpx.AsyncClient(base_url=base_url, timeout=30, cookies=self.client.cookies) as client:
            reporter = Reporter(client)  # type: ignore[arg-type]
            reporter.page = review
            page = await reporter.submit()
        assert page.status == 200, page.text[:500]
        code, _secret = page.receipt()
        self.acked[code] = story
        return code


async def _case_count(db: Database) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Case)) or 0)


async def _flood_then_kill(server: LiveServer, submitters: list[Submitter]) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in submitters]
    deadline = time.monotonic() + LOAD_SECONDS
    while sum(len(s.acked) for s in submitters) < ACKED_BEFORE_KILL:
        assert time.monotonic() < deadline, f"too few receipts under load:\n{server.logs()[-2000:]}"
        assert not any(t.done() for t in tasks), [t.exception() for t in tasks if t.done()]
        await asyncio.sleep(0.05)
    os.killpg(server.process.pid, signal.SIGKILL)  # the whole group: no shutdown hook runs
    server.process.wait(timeout=10)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)  # each ends on a transport error
    for s in submitters:
        await s.client.aclose()


async def test_every_acknowledged_report_survives_kill_9_and_none_is_filed_twice(
    stack: Any, tmp_path: Path
) -> None:
    db = Database(stack.settings.db_url)
    try:
        before = await _case_count(db)
    finally:
        await db.dispose()
    server = start_server(stack.settings, tmp_path / "server.log", extra_env=UNLIMITED)
    submitters = [Submitter(i, server.base_url) for i in range(SUBMITTERS)]
    try:
        await _flood_then_kill(server, submitters)
    finally:
        server.stop()
    acked_before_crash = sum(len(s.acked) for s in submitters)
    unanswered = sum(s.pending is not None for s in submitters)
    print(f"{acked_before_crash} receipts shown before kill -9, {unanswered} Sends left unanswered")

    if stack.backend == "sqlite":
        with sqlite3.connect(Path(stack.settings.data_dir) / "signalement.db") as con:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    restarted = start_server(stack.settings, tmp_path / "restarted.log", extra_env=UNLIMITED)
    try:
        retried = [code for code in await asyncio.gather(*(s.retry(restarted.base_url) for s in submitters))
                   if code]
    finally:
        restarted.stop()
    assert len(set(retried)) == len(retried)

    expected = {code.replace("-", ""): story for s in submitters for code, story in s.acked.items()}
    assert len(expected) == acked_before_crash + len(retried)  # a retry never returned someone else's case
    db = Database(stack.settings.db_url)
    try:
        opener = await build_opener(stack, db)
        for code, story in expected.items():
            case = await opener.case_by_code(code)
            assert case is not None, f"acknowledged case {code} is missing after kill -9"
            fields = await opener.fields(case.id)
            assert opener.open(fields["narrative"], case.id, "narrative").decode() == story
        assert await _case_count(db) - before == len(expected), "a report was filed twice, or without a receipt"
    finally:
        await db.dispose()
