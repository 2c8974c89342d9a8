"""CPU per report and database commits per request, in process: what a busy machine does not distort.

Wall-clock rates on a shared machine say more about the neighbours than about us. This script counts
what a report *costs*: it runs the real app (``create_app``, the standard Argon2id cost unless
``--kdf-cost test``) on a fresh SQLite or PostgreSQL database and walks the web form one request at a
time through an in-process ASGI transport, with the stores ``signalement serve`` gives its workers
(``--workers`` above 1: the rate limit's count is shared through files, or Redis when configured).
Around each request it reads the process CPU time (every thread, so the Argon2id pool's work counts)
and counts the commits on the database's engines. The client's own work happens outside those
brackets and is not counted. Not counted either: uvicorn's HTTP parsing and the access log.

It prints, per kind of request (the start page GET, each step POST, Send), the median CPU ms (and the mean
of the event loop's thread alone: middleware, handler, intake, asyncpg), the
commits; per report, the CPU of the single Send and of the whole walk; the CPU of one receipt derivation
(Argon2id, thread CPU) and its share of a Send. ``--count-calls`` adds the function calls each request
makes (a second, untimed pass): unlike CPU time, a count the machine's load cannot change. With
``--profile N`` it also prints the top N functions
of a cProfile of the requests (this thread's CPU time, not wall time; ``--profile-only Send`` keeps only
those requests). The Argon2id and SQLite threads are not profiled: cProfile follows one thread.

Run: ``.venv/bin/python benchmarks/cpu.py [--reports 40] [--backend sqlite|postgres] [--profile 25]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import gc
import importlib.util
import io
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT / "tests"))

STEP_NAMES = ["what", "danger", "where", "who", "story", "evidence", "contact"]
HIDDEN = re.compile(r'name="(_csrf_token|draft)" value="([^"]*)"')


class Meter:
    """Wraps the ASGI app: process CPU and commits per request, filed under the label set before the call."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.label = "other"
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.loop_cpu: dict[str, list[float]] = defaultdict(list)  # the event loop's thread alone
        self.commits: dict[str, list[int]] = defaultdict(list)
        self._commits = 0
        self.kdf: dict[str, list[float]] = defaultdict(list)
        self.profiler: cProfile.Profile | None = None
        self.count_calls = False
        self.calls: dict[str, list[int]] = defaultdict(list)
        self.profile_only = ""
        # Garbage collections that ran during each kind of request, per generation, and their pause.
        self.collections: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.gc_ms: dict[str, float] = defaultdict(float)
        self._gc_started = 0.0
        self.in_request = False

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if not self.in_request:
            return
        if phase == "start":
            self._gc_started = time.thread_time()
            return
        self.collections[self.label][info["generation"]] += 1
        self.gc_ms[self.label] += (time.thread_time() - self._gc_started) * 1000

    def on_commit(self, _conn: Any) -> None:
        self._commits += 1

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.count_calls:
            await self._counted(scope, receive, send)
            return
        profiling = self.profiler is not None and self.profile_only in self.label
        commits0, cpu0, loop0 = self._commits, time.process_time(), time.thread_time()
        if profiling:
            self.profiler.enable()  # type: ignore[union-attr]
        self.in_request = True
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_request = False
        if profiling:
            self.profiler.disable()  # type: ignore[union-attr]
        self.cpu[self.label].append((time.process_time() - cpu0) * 1000)
        self.loop_cpu[self.label].append((time.thread_time() - loop0) * 1000)
        self.commits[self.label].append(self._commits - commits0)


    async def _counted(self, scope: Any, receive: Any, send: Any) -> None:
        """Function calls (Python and C) made on this thread during the request: a count that the load of
        a shared machine cannot change, where CPU time varies by half from one minute to the next."""
        count = 0

        def hook(_frame: Any, event: str, _arg: Any) -> None:
            nonlocal count
            if event in ("call", "c_call"):
                count += 1

        label = self.label
        sys.setprofile(hook)
        try:
            await self.app(scope, receive, send)
        finally:
            sys.setprofile(None)
        self.calls[label].append(count)


@functools.cache
def bench_run() -> Any:  # noqa: ANN401
    """``benchmarks/run.py`` as a module: one definition of the form's walk and of the Argon2id figure."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # its dataclasses look it up
    spec.loader.exec_module(module)
    return module


def kdf_ms() -> float:
    """One receipt derivation's CPU: ``run.argon2_ms``, the figure ``make bench`` divides by (one definition)."""
    return float(bench_run().argon2_ms())


async def walk(client: Any, meter: Meter, lang: str = "en") -> bool:
    meter.label = "GET start page"
    page = await client.get(f"/{lang}/report")
    for name, data in zip(STEP_NAMES, bench_run().FLOW, strict=True):
        meter.label = f"POST {name}"
        page = await client.post(f"/{lang}/report", data={**dict(HIDDEN.findall(page.text)), **data})
        assert page.status_code == 200, (name, page.status_code, page.text[-500:])
    meter.label = "POST Send"
    page = await client.post(f"/{lang}/report", data={**dict(HIDDEN.findall(page.text)), "action": "submit"})
    return 'class="receipt"' in page.text


async def run(backend: str, reports: int, kdf_cost: str, workers: int, profile: int, profile_only: str,
              count_calls: bool, sort: str = "tottime", callers: str = "", gc_freeze: bool = True) -> None:
    import httpx
    from sqlalchemy import event

    from signalement.app import create_app, freeze_startup_heap
    from signalement.bootstrap import initialize
    from signalement.runtime import Runtime
    from signalement.settings import load_settings
    from support import pg

    root = Path(tempfile.mkdtemp(prefix="signalement-cpu-"))
    database = pg.create_database("sig_cpu") if backend == "postgres" else None
    try:
        settings = load_settings({}, data_dir=str(root / "var"), kdf_cost=kdf_cost, log_level="WARNING",
                                 web_workers=workers, rate_limit_per_minute=100_000_000,
                                 database_url=pg.sqlalchemy_url(database) if database else "")
        await initialize(settings)
        runtime = Runtime(settings)
        meter = Meter(create_app(settings, runtime=runtime))
        pool, pool_run = runtime.kdf_pool, runtime.kdf_pool.run

        async def kdf_timed(fn: Any, *args: object) -> Any:  # the Argon2id pool's thread CPU, per request
            label = meter.label

            def timed(*a: object) -> Any:
                t0 = time.thread_time()
                try:
                    return fn(*a)
                finally:
                    meter.kdf[label].append((time.thread_time() - t0) * 1000)

            return await pool_run(timed, *args)

        pool.run = kdf_timed  # type: ignore[method-assign]
        engines = {runtime.db.writer, runtime.db.reader}
        for engine in engines:
            event.listen(engine.sync_engine, "commit", meter.on_commit)
        write_all = runtime.db.write_all

        async def counted_write_all(writes: Any) -> None:  # noqa: ANN401
            await write_all(writes)
            # Unseen above: SQLite commits on write_all's own connection, and PostgreSQL a lone statement by itself.
            if runtime.db.write_lock is not None or len(writes) == 1:
                meter.on_commit(None)

        runtime.db.write_all = counted_write_all  # type: ignore[method-assign]
        gc.callbacks.append(meter.on_gc)
        transport = httpx.ASGITransport(app=meter, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for _ in range(3):  # warm template, statement and rule caches
                await walk(client, meter)
            if gc_freeze:  # as each worker of signalement serve does once started (app.create_served_app)
                freeze_startup_heap()
            meter.cpu.clear()
            meter.loop_cpu.clear()
            meter.commits.clear()
            meter.kdf.clear()
            meter.collections.clear()
            meter.gc_ms.clear()
            if count_calls:  # a second pass, counting: the hook's cost must not reach the CPU figures
                meter.count_calls = True
                for _ in range(min(reports, 10)):
                    await walk(client, meter)
                meter.count_calls = False
                meter.kdf.clear()
                meter.collections.clear()
                meter.gc_ms.clear()
            profiler = meter.profiler = cProfile.Profile(time.thread_time) if profile else None
            meter.profile_only = profile_only
            done = sum([await walk(client, meter) for _ in range(reports)])
        gc.callbacks.remove(meter.on_gc)
        t0 = time.thread_time()
        gc.collect()
        full_gc_ms = (time.thread_time() - t0) * 1000
        await runtime.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if database:
            pg.drop_database(database)

    kdf_alone = kdf_ms() if kdf_cost == "standard" else float("nan")
    kdf = sum(meter.kdf["POST Send"]) / max(1, len(meter.cpu["POST Send"]))  # in the Send, as it ran
    print(f"# benchmarks/cpu.py: {backend}, {done}/{reports} reports, kdf cost {kdf_cost}, "
          f"stores as with {workers} worker(s), "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'request':<18}{'CPU ms p50':>11}{'mean':>8}{'loop':>8}{'commits':>9}"
          + (f"{'calls':>9}" if count_calls else ""))
    for label, values in meter.cpu.items():
        commits = meter.commits[label]
        calls = f"{statistics.fmean(meter.calls[label]):>9.0f}" if count_calls else ""
        print(f"{label:<18}{statistics.median(values):>11.2f}{statistics.fmean(values):>8.2f}"
              f"{statistics.fmean(meter.loop_cpu[label]):>8.2f}{sum(commits) / len(commits):>9.2f}{calls}")
    send = statistics.fmean(meter.cpu["POST Send"])
    whole = sum(statistics.fmean(v) for v in meter.cpu.values())
    pages = whole - send
    commits = sum(sum(c) / len(c) for c in meter.commits.values())
    if count_calls:
        print(f"Function calls: a Send {statistics.fmean(meter.calls['POST Send']):.0f}, the walk "
              f"{sum(statistics.fmean(v) for v in meter.calls.values()):.0f} (this thread; load-independent)")
    print(f"Send: {send:.1f} ms CPU; the whole walk: {whole:.1f} ms CPU ({pages:.1f} ms outside Send); "
          f"{commits:.2f} commits a report")
    print(f"Argon2id in a Send (the pool thread's CPU, as it ran): {kdf:.1f} ms; share of a Send's CPU "
          f"{kdf / send:.0%}, of the walk's {kdf / whole:.0%}. Outside Argon2id: a Send {send - kdf:.1f} ms, "
          f"the walk {whole - kdf:.1f} ms")
    loop = statistics.fmean(meter.loop_cpu["POST Send"])
    print(f"A Send's CPU by thread: the event loop's {loop:.1f} ms (middleware, handler, intake; asyncpg), "
          f"Argon2id {kdf:.1f} ms, every other thread (SQLite's, the pool's own work) {send - loop - kdf:.1f} ms")
    sends = max(1, len(meter.cpu["POST Send"]))
    gen = meter.collections["POST Send"]
    walk_gen = [sum(c[g] for c in meter.collections.values()) for g in range(3)]
    print(f"Garbage collections during a Send (generation 0/1/2, this process): {gen[0] / sends:.2f} / "
          f"{gen[1] / sends:.2f} / {gen[2] / sends:.2f}, {meter.gc_ms['POST Send'] / sends:.2f} ms; during the walk "
          f"{walk_gen[0] / sends:.2f} / {walk_gen[1] / sends:.2f} / {walk_gen[2] / sends:.2f}, "
          f"{sum(meter.gc_ms.values()) / sends:.2f} ms. A full collection after the run: {full_gc_ms:.1f} ms "
          f"({'startup heap frozen' if gc_freeze else 'nothing frozen: --no-gc-freeze'})")
    if kdf_cost == "standard":
        print(f"One receipt derivation alone, after the run: {kdf_alone:.1f} ms CPU (memory-hard: a loaded "
              "machine's caches make it vary)")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
        print(out.getvalue())
        if callers:
            pstats.Stats(profiler).sort_stats("ncalls").print_callers(callers)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(profile)
        print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--kdf-cost", choices=("standard", "test"), default="standard")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="as signalement serve --workers: above 1, the rate-limit store is the shared one "
                             "(files under the data folder, or Redis) that serve's workers use (default: every core)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N functions")
    parser.add_argument("--profile-only", default="", metavar="TEXT",
                        help="profile only the requests whose label contains TEXT (e.g. Send, GET)")
    parser.add_argument("--profile-sort", default="tottime", help="the second profile table's order (ncalls...)")
    parser.add_argument("--callers", default="", metavar="REGEX", help="with --profile: who calls these functions")
    parser.add_argument("--count-calls", action="store_true",
                        help="also count the function calls of each request (a second, untimed pass)")
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="leave the startup heap in the garbage collector's sight (serve's workers freeze it)")
    args = parser.parse_args()
    asyncio.run(run(args.backend, args.reports, args.kdf_cost, args.workers, args.profile, args.profile_only,
                    args.count_calls, args.profile_sort, args.callers, not args.no_gc_freeze))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
