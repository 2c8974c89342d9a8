"""A flood of "Send" far beyond what Argon2id can serve gets quick, calm refusals, never a lost report.

A real ``signalement serve`` with the standard Argon2id cost receives many more simultaneous Sends than
its key-derivation pool takes (its threads plus a waiting line of 64). One report is walked to its review
page over HTTP; the other drafts are that one with a fresh case id, code, secret and submission id,
sealed with the same form keys the server holds (walking 90 reports step by step would take longer than
the flood itself on a busy machine). Every answer must be either a
receipt or the calm 503 "not sent yet" page that keeps the report for a second press; refusals come
back fast (they wait for no Argon2 work); every receipt shown is a case in the database; memory stays
bounded; and sending the refused pages again, once the flood is over, files each of them exactly once.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from integration.reporter.reporting import FLOW, Page, Reporter
from signalement.db.engine import Database
from signalement.db.models import Case, new_id
from signalement.receipts import new_case_code, new_secret
from signalement.reporter.page_state import PageStates
from support.live import start_server

pytestmark = pytest.mark.timeout(60)

SENDS = 80  # the pool takes 2-4 threads + 64 waiting: beyond it when they arrive together
UNLIMITED = {"SIGNALEMENT_RATE_LIMIT_PER_MINUTE": "1000000"}


async def _review_pages(stack: Any, base_url: str, n: int) -> tuple[list[Page], httpx.Cookies]:
    """``n`` review pages of distinct reports, all valid for one browser's CSRF cookie."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        reporter = Reporter(client)  # type: ignore[arg-type]
        walked = await reporter.fill(FLOW)
        cookies = client.cookies
    states = PageStates(stack.runtime.form_keys, stack.settings.staged_evidence_hours)
    visit = cookies["visit"]  # drafts are bound to the visit (Quick exit ends it)
    opened = states.drafts.decode(walked.hidden("draft"), visit=visit)
    pages = []
    for _ in range(n):
        draft = msgspec.structs.replace(opened.value, case_id=new_id(), client_id=secrets.token_urlsafe(18),
                                        case_code=new_case_code(), secret=new_secret())
        sealed = states.drafts.encode(draft, started=opened.started, visit=visit)
        pages.append(Page(200, walked.text.replace(walked.hidden("draft"), sealed), walked.headers))
    return pages, cookies


async def _send(base_url: str, review: Page, cookies: httpx.Cookies) -> tuple[Page, float]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60, cookies=cookies) as client:
        reporter = Reporter(client)  # type: ignore[arg-type]
        reporter.page = review
        t0 = time.perf_counter()
        page = await reporter.submit()
        return page, time.perf_counter() - t0


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else 0.0


async def test_a_flood_of_sends_gets_receipts_or_calm_503s_and_loses_nothing(stack: Any, tmp_path: Path) -> None:
    server = start_server(stack.settings, tmp_path / "server.log",
                          extra_env={**UNLIMITED, "SIGNALEMENT_KDF_COST": "standard"})
    try:
        pages, cookies = await _review_pages(stack, server.base_url, SENDS)
        answers = await asyncio.gather(*(_send(server.base_url, page, cookies) for page in pages))
        refused = [(i, page, seconds) for i, (page, seconds) in enumerate(answers) if page.status == 503]
        acked = {page.receipt()[0] for page, _ in answers if page.status == 200}
        assert all(page.status in (200, 503) for page, _ in answers), sorted({p.status for p, _ in answers})
        assert len(acked) + len(refused) == SENDS
        for _, page, seconds in refused:
            assert "Your report is not sent yet" in page.text and 'name="draft"' in page.text
            assert seconds < 5.0, seconds  # a refusal waits for no Argon2 work
        assert _peak_rss_mb(server.process.pid) < 400

        # The flood is over: each refused page, sent again, is filed once.
        again = await asyncio.gather(*(_send(server.base_url, page, cookies) for _, page, _ in refused))
        assert all(page.status == 200 for page, _ in again)
        acked |= {page.receipt()[0] for page, _ in again}
    finally:
        server.stop()
    print(f"{SENDS} simultaneous Sends: {SENDS - len(refused)} receipts, {len(refused)} calm 503s")
    db = Database(stack.settings.db_url)
    try:
        async with db.reading() as session:
            stored = set((await session.execute(select(Case.case_code))).scalars())
            count = await session.scalar(select(func.count()).select_from(Case))
    finally:
        await db.dispose()
    assert {code.replace("-", "") for code in acked} <= stored
    assert count == len(acked) == SENDS
    assert "Traceback" not in server.logs()
