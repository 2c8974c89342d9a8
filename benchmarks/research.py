"""Research metrics benchmark: the cost of recording an event, and /research/ with a year of events.

    .venv/bin/python benchmarks/research.py                    # both databases, 50,000 reports a year
    .venv/bin/python benchmarks/research.py --backend sqlite --reports 20000

1. Recording: ``metrics.record`` on a warm recorder, per event, and per report-form request (a step POST
   records at most four events: completed, viewed, reached, and an error or a language switch).
2. Dashboard: a fresh database with the real migrations, filled with a year of hourly cells for
   ``--reports`` reports a year (about 2.2 visits per report, 8 languages, 2 experiment arms, validation errors,
   feedback, times to complete) through the real recorder and flush; then a signed-in researcher requests
   ``/research/?days=365`` in-process: server time from the request entering the app to the last byte of the
   rendered page. Prints p50 and p95 and the ratio to the 200 ms target. Cases are not loaded: the case-handling
   table is computed from ``cases`` and scales with it (see the queue benchmark for 1,000,000 cases).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/queue.py shadows the standard library's ``queue``: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

STEPS = ("what", "danger", "where", "who", "story", "evidence", "contact", "review")
LANGS = ("en", "fr", "es", "tl", "hi", "pa", "vi", "zh")
LANG_WEIGHTS = (30, 15, 20, 10, 8, 8, 5, 4)


def bench_record(n: int = 200_000) -> float:
    from signalement.metrics.events import Recorder

    recorder = Recorder()
    t0 = time.perf_counter()
    for i in range(n):
        recorder.record("step_viewed", channel="web", language=LANGS[i % 8], step=STEPS[i % 8],
                        variant="danger-wording:plain" if i % 2 else "danger-wording:control")
    return (time.perf_counter() - t0) / n * 1e6


def fill_year(recorder_cls, reports: int, seed: int) -> list[object]:  # noqa: ANN001
    rng = random.Random(seed)
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=364)
    visits = int(reports * 2.2)
    per_hour = visits / (365 * 24)
    recorders = []
    hour = start
    recorder = None
    for h in range(365 * 24):
        if h % (24 * 7) == 0:
            if recorder is not None:
                recorders.append(recorder)
            clock_hour = [hour]
            recorder = recorder_cls(clock=lambda ch=clock_hour: ch[0])
        clock_hour[0] = hour
        for _ in range(int(per_hour) + (1 if rng.random() < per_hour % 1 else 0)):
            lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
            arm = "danger-wording:" + rng.choice(("control", "plain"))
            for i, step in enumerate(STEPS):
                recorder.record("step_reached", channel="web", language=lang, step=step, variant=arm)
                recorder.record("step_viewed", channel="web", language=lang, step=step, variant=arm)
                if rng.random() < 0.08:
                    break
                recorder.record("step_completed", channel="web", language=lang, step=step, variant=arm)
                if i < 3 and rng.random() < 0.1:
                    recorder.record("validation_error", channel="web", language=lang, step=step,
                                    field=("categories", "danger", "province")[i], variant=arm)
            else:
                recorder.record("submitted", channel="web", language=lang, variant=arm,
                                seconds=rng.lognormvariate(6.2, 0.6))
                if rng.random() < 0.3:
                    recorder.record("feedback", channel="web", language=lang, step="receipt",
                                    field="yes" if rng.random() < 0.8 else "no")
        hour += dt.timedelta(hours=1)
    recorders.append(recorder)
    return recorders


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_backend(backend: str, reports: int, repeat: int, seed: int) -> tuple[float, float, int]:
    import httpx

    from signalement.app import create_app
    from signalement.bootstrap import initialize
    from signalement.db.models import Role
    from signalement.metrics.events import Recorder
    from signalement.runtime import Runtime
    from signalement.settings import load_settings
    from support import pg
    from support.officers import create_officer, sign_in
    from support.stack import AdminLogin

    root = Path(tempfile.mkdtemp(prefix=f"research-bench-{backend}-"))
    database = pg.create_database("sig_rbench") if backend == "postgres" else None
    settings = load_settings({}, data_dir=str(root / "var"), kdf_cost="test",
                             database_url=pg.sqlalchemy_url(database) if database else "",
                             experiment="danger-wording@danger:control=1,plain=1")
    try:
        report = await initialize(settings)
        assert report.admin is not None
        admin = AdminLogin(report.admin.username, report.admin.one_time_password, report.admin.totp_secret or b"")
        runtime = Runtime(settings)
        app = create_app(settings, runtime=runtime)
        t0 = time.perf_counter()
        cells = 0
        for recorder in fill_year(Recorder, reports, seed):
            cells += await recorder.flush(runtime.db)
        print(f"[{backend}] a year of events for {reports:,} reports: {cells:,} cells written in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        researcher = await create_officer(runtime, admin, Role.RESEARCHER, region=None)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            await sign_in(client, runtime, researcher)
            times = []
            for _ in range(repeat + 1):
                t0 = time.perf_counter()
                r = await client.get("/research/?days=365")
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.status_code
        await runtime.close()
        times = times[1:]  # the first request warms template and statement caches
        return _percentile(times, 0.5), _percentile(times, 0.95), cells
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if database:
            pg.drop_database(database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, "
          f"{dt.date.today().isoformat()}")
    per_event = bench_record()
    print(f"record: {per_event:.2f} µs per event; a form request records at most 4: {4 * per_event / 1000:.4f} ms "
          f"(target < 1 ms, ratio {4 * per_event / 1000:.4f})")
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        p50, p95, cells = asyncio.run(run_backend(backend, args.reports, args.repeat, args.seed))
        print(f"[{backend}] /research/?days=365 with {cells:,} cells: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"(target 200 ms, p95 ratio {p95 / 200:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
