"""The rate limit's counter table (``ratelimit.CounterTable``): a sliding minute, expiry, bounded size, one
count across real processes, and nothing in its file that names a client.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import multiprocessing
import subprocess  # nosec B404 - our own interpreter, as another worker
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from litestar.middleware.rate_limit import RateLimitConfig

from signalement.ratelimit import (
    LOCK_PATIENCE_SECONDS,
    PROBES,
    CounterTable,
    SharedRateLimitMiddleware,
    fingerprint,
)
from signalement.settings import KeyList
from signalement.throttle import ClientHasher

T0 = 1_800_000_000.0 - 1_800_000_000.0 % 60  # the start of a minute


def test_the_request_after_the_limit_is_refused_and_not_counted() -> None:
    table = CounterTable()
    assert [table.hit("a", 3, 60, T0 + i) for i in range(5)] == [True, True, True, False, False]
    assert table.hit("b", 3, 60, T0 + 5)  # another client has its own count


def test_the_window_slides_over_the_last_minute() -> None:
    table = CounterTable()
    assert all(table.hit("a", 10, 60, T0 + 50) for _ in range(10))
    assert not table.hit("a", 10, 60, T0 + 59)
    # 15 s into the next minute, three quarters of the last minute's 10 requests are still in the window.
    assert [table.hit("a", 10, 60, T0 + 75) for _ in range(4)] == [True, True, False, False]
    # A minute after the last request, the old requests have slid out.
    assert all(table.hit("a", 10, 60, T0 + 120) for _ in range(8))
    # Two minutes later the slot has expired entirely.
    assert all(table.hit("a", 10, 60, T0 + 240) for _ in range(10))


def test_a_crowd_of_new_clients_evicts_light_ones_never_the_heavy_one() -> None:
    table = CounterTable(slots=4)  # every key lands in the same few probes
    for _ in range(5):
        table.hit("heavy", 5, 60, T0)
    for i in range(50):
        table.hit(f"light-{i}", 5, 60, T0 + 1)
    assert not table.hit("heavy", 5, 60, T0 + 2)  # its count survived the crowd
    assert len(used_fingerprints(table)) <= 4 + PROBES  # bounded: evicted, not grown


def used_fingerprints(table: CounterTable) -> set[bytes]:
    raw = bytes(table._buf)[16:]  # noqa: SLF001 - after the header
    return {raw[i: i + 8] for i in range(0, len(raw), 20) if raw[i: i + 8] != bytes(8)}


def _hammer(path: str, n: int, limit: int, out: multiprocessing.Queue, start: Any) -> None:  # type: ignore[type-arg]
    table = CounterTable(Path(path))
    table.hit("warm up", 1, 60)
    start.wait(timeout=30)  # both processes count at the same time
    out.put(sum(table.hit("the same client", limit, 3600) for _ in range(n)))
    table.close()


@pytest.mark.timeout(60)
def test_two_processes_share_one_count_and_lose_no_increment(tmp_path: Path) -> None:
    """Two real processes (spawned, as uvicorn's workers are) hit one key at once: exactly ``limit`` requests
    pass in all, neither more (a lost update) nor fewer."""
    path = tmp_path / "stores" / "rate_limit" / "counts"
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(2)
    n, limit = 20_000, 30_000
    workers = [ctx.Process(target=_hammer, args=(str(path), n, limit, out, start)) for _ in range(2)]
    for w in workers:
        w.start()
    allowed = [out.get(timeout=50), out.get(timeout=50)]
    for w in workers:
        w.join(timeout=10)
        assert w.exitcode == 0
    assert sum(allowed) == limit, allowed
    assert min(allowed) > 0  # both really counted into the same table
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_file_holds_no_address_and_no_pseudonym(tmp_path: Path) -> None:
    sentinel = "203.0.113.77"
    hasher = ClientHasher(KeyList([("k1", b"\x07" * 32)]))
    pseudonym = hasher.pseudonym(sentinel, purpose="rate", day=dt.datetime.now(dt.UTC).date())
    key = f"SharedRateLimitMiddleware::{pseudonym}"
    path = tmp_path / "counts"
    table = CounterTable(path)
    for _ in range(3):
        assert table.hit(key, 10, 60)
    table.close()
    data = path.read_bytes()
    for secret in (sentinel.encode(), pseudonym.encode(), key.encode()):
        for form in (secret, secret.hex().encode(), base64.b64encode(secret)[:-2], bytes.fromhex(pseudonym)[:8]):
            assert form not in data
    # What is there: the fingerprint and the count, in a fixed-size file.
    assert fingerprint(key).to_bytes(8, "little") in data
    assert len(data) == CounterTable(path)._size  # noqa: SLF001 - fixed: no growth with clients


def test_a_file_of_another_layout_is_started_afresh(tmp_path: Path) -> None:
    path = tmp_path / "counts"
    path.write_bytes(b"garbage" * 10)
    table = CounterTable(path, slots=64)
    assert table.hit("a", 1, 60, T0) and not table.hit("a", 1, 60, T0)
    table.close()
    again = CounterTable(path, slots=64)  # the same layout: the counts are kept
    assert not again.hit("a", 1, 60, T0 + 1)
    again.close()


# Another worker that holds the table's lock (descheduled, stopped in a debugger): takes it, says "held",
# holds it for the given seconds.
LOCK_HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def lock_holder(path: Path, hold: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(path), str(hold)],  # nosec B603
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


async def loop_gaps(until: float) -> list[float]:
    """The gaps between ticks of a 5 ms ticker on this event loop, until ``until``: a loop blocked by a wait
    shows one gap as long as the wait."""
    gaps, last = [], time.monotonic()
    while last < until:
        await asyncio.sleep(0.005)
        now = time.monotonic()
        gaps.append(now - last)
        last = now
    return gaps


async def test_the_event_loop_goes_on_while_another_process_holds_the_table(tmp_path: Path) -> None:
    """A request that finds the table locked by another worker waits without blocking the event loop: a
    ticker on the same loop keeps ticking while the request waits, and the request goes through."""
    @get("/")
    async def index() -> str:
        return "ok"

    path = tmp_path / "counts"
    table = CounterTable(path)
    table.hit("create the file", 1, 60)
    config = RateLimitConfig(rate_limit=("minute", 100), store="rate_limit", set_rate_limit_headers=False,
                             middleware_class=SharedRateLimitMiddleware)
    app = Litestar([index], middleware=[config.middleware], stores={"rate_limit": table})
    hold = 0.8 * LOCK_PATIENCE_SECONDS
    holder = lock_holder(path, hold)
    try:
        # The app on this test's event loop (httpx's ASGI transport), as uvicorn runs it on a worker's.
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
            started = time.monotonic()
            ticking = asyncio.create_task(loop_gaps(started + hold))
            response = await client.get("/")
            gaps = await ticking
        assert response.status_code == 200
        assert time.monotonic() - started > 0.5 * hold  # it did wait for the holder
        # Blocked, the loop would show one gap as long as the hold; a loaded machine adds tens of ms at most.
        assert max(gaps) < 0.5 * hold, f"the event loop stood still for {max(gaps) * 1000:.0f} ms"
    finally:
        holder.kill()
        holder.wait(timeout=30)
        table.close()


async def test_emptying_the_table_waits_for_another_process_without_blocking_the_event_loop(tmp_path: Path) -> None:
    """``delete_all`` (the Store interface, on the event loop) waits for another worker's lock as a request
    does, in ``asyncio.sleep`` steps; then the table is empty."""
    path = tmp_path / "counts"
    table = CounterTable(path)
    assert table.hit("a", 1, 60) and not table.hit("a", 1, 60)
    hold = 0.8 * LOCK_PATIENCE_SECONDS
    holder = lock_holder(path, hold)
    try:
        started = time.monotonic()
        ticking = asyncio.create_task(loop_gaps(started + hold))
        await table.delete_all()
        gaps = await ticking
        assert time.monotonic() - started > 0.5 * hold  # it did wait for the holder
        assert max(gaps) < 0.5 * hold, f"the event loop stood still for {max(gaps) * 1000:.0f} ms"
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert table.hit("a", 1, 60), "the count was not emptied"
    table.close()
