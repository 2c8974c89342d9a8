"""Research metrics benchmark: the cost of recording an event, and /research/ with a year of events.

    .venv/bin/python benchmarks/research.py                    # both databases, 50,000 reports a year
    .venv/bin/python benchmarks/research.py --backend sqlite --reports 20000
    .venv/bin/python benchmarks/research.py --backend sqlite --keep          # then --reuse DIR to re-measure

1. Recording: what the web form's code runs per request (``reporter.funnel``: the visit's arm label, the
   cell, the lock, the Prometheus counter on submission) on a warm recorder, per event and per request (a
   step POST records at most four events: completed, viewed, reached, and an error or a language switch).
   The flush is off the request path (a timer), so it is timed separately, per flush of one interval.
2. A year at ``--reports`` reports a year, seeded straight into a fresh database built by the real
   migrations: hourly cells for every hour of the year as the recorder produces them (about 2.2 visits per
   report on web, SMS and voice, 8 languages, 2 experiment arms, abandonment at each step, validation
   errors, feedback, times to complete), then the real roll-up (``metrics.rollup``) that the flush runs;
   and the year's cases (metadata only: channel, language, urgency, received and SLA times), with the
   status changes and officer replies the case-handling table reads.
3. The housekeeping timer's work, timed: every dashboard window's report computed and stored as a
   snapshot (``metrics.snapshots``), off the request path.
4. A signed-in researcher requests ``/research/?days=365``, ``/research/`` (90 days),
   ``/research/export.json?days=365`` and ``/research/export.csv?days=365`` in-process: server time from
   the request entering the app to the last byte (the pages render the snapshots). Prints p50 and p95 and
   the ratio to the 200 ms target, then where a live 365-day computation's time goes (what the timer pays).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# benchmarks/queue.py shadows the standard library's ``queue``: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

if TYPE_CHECKING:
    from signalement.metrics.events import Cell

STEPS = ("what", "danger", "where", "who", "story", "evidence", "contact", "review")
SMS_STEPS = ("language", "what", "danger", "where", "story", "contact")
VOICE_STEPS = ("language", "what", "danger", "record", "contact")
LANGS = ("en", "fr", "es", "tl", "hi", "pa", "vi", "zh")
LANG_WEIGHTS = (30, 15, 20, 10, 8, 8, 5, 4)
CHANNEL_WEIGHTS = {"web": 70, "sms": 20, "voice": 10}
URGENCY_WEIGHTS = {"immediate": 8, "high": 27, "standard": 65}
SLA = {"immediate": dt.timedelta(hours=24), "high": dt.timedelta(days=2.8), "standard": dt.timedelta(days=14)}
EXPERIMENT = "danger-wording@danger:control=1,plain=1"
TARGET_MS = 200.0
PAGES = (
    ("/research/?days=365", "dashboard, 365 days"),
    ("/research/", "dashboard, 90 days"),
    ("/research/export.json?days=365", "export.json, 365 days"),
    ("/research/export.csv?days=365", "export.csv, 365 days"),
)


# ---- 1. recording --------------------------------------------------------------------------------------


def bench_record(n: int = 100_000) -> tuple[float, float]:
    """(µs per event, ms per form request of four events) through ``reporter.funnel`` as a request calls it."""
    from types import SimpleNamespace

    import msgspec

    from signalement import i18n
    from signalement.metrics.events import Recorder
    from signalement.metrics.experiments import parse_experiment
    from signalement.reporter import funnel
    from signalement.reporter.draft import STEPS as FORM_STEPS
    from signalement.reporter.draft import Action, new_draft

    experiment = parse_experiment(EXPERIMENT)
    assert experiment is not None
    runtime = SimpleNamespace(recorder=Recorder(), experiment=experiment)
    lang = i18n.LANGUAGES[0]
    draft = funnel.begin(runtime, lang, new_draft())  # type: ignore[arg-type]
    # A visit on step j that reached j so far, posting "next": step_completed, step_viewed, step_reached.
    drafts = [msgspec.structs.replace(draft, step=FORM_STEPS[j], reached=j) for j in range(len(FORM_STEPS) - 1)]
    t0 = time.perf_counter()
    for i in range(n):
        d = drafts[i % len(drafts)]
        funnel.moved(runtime, lang, d, Action.NEXT, FORM_STEPS[FORM_STEPS.index(d.step) + 1])  # type: ignore[arg-type]
        funnel.invalid(runtime, lang, d, {"categories"})  # type: ignore[arg-type]
    per_request = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for _ in range(n):
        funnel.submitted(runtime, lang, draft, int(time.time()) - 300)  # type: ignore[arg-type]
    per_event = (time.perf_counter() - t0) / n
    return per_event * 1e6, per_request * 1000


async def bench_flush(db: object, cells_per_flush: int) -> float:
    """ms for one flush of an interval's cells (off the request path, on the flush timer)."""
    from signalement.metrics.events import Recorder

    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    recorder = Recorder(clock=lambda: hour)
    for i in range(cells_per_flush):
        recorder.record("step_viewed", channel="web", language=LANGS[i % 8], step=STEPS[(i // 8) % 8],
                        variant=f"bench:{i // 64}")
    t0 = time.perf_counter()
    await recorder.flush(db)  # type: ignore[arg-type]
    return (time.perf_counter() - t0) * 1000


# ---- 2. a year of data ---------------------------------------------------------------------------------


def year_cells(reports: int, seed: int, now: dt.datetime) -> Iterator[tuple[dt.datetime, dict[Cell, int]]]:
    """Each week's hourly cells, as the recorder holds them before a flush."""
    from signalement.metrics.events import Recorder

    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
    start = now - dt.timedelta(days=364)
    visits_per_hour = reports * 2.2 / (365 * 24)
    channels, channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    clock = [start]
    recorder = Recorder(clock=lambda: clock[0])
    for h in range(365 * 24):
        clock[0] = start + dt.timedelta(hours=h)
        for _ in range(int(visits_per_hour) + (1 if rng.random() < visits_per_hour % 1 else 0)):
            _one_visit(recorder, rng, rng.choices(channels, channel_weights)[0])
        if h % (24 * 7) == 24 * 7 - 1 or h == 365 * 24 - 1:
            yield clock[0], recorder.pending()
            recorder = Recorder(clock=lambda: clock[0])


def _one_visit(recorder: object, rng: random.Random, channel: str) -> None:
    record = recorder.record  # type: ignore[attr-defined]
    lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
    arm = "danger-wording:" + rng.choice(("control", "plain")) if channel == "web" else ""
    steps = {"web": STEPS, "sms": SMS_STEPS, "voice": VOICE_STEPS}[channel]
    for i, step in enumerate(steps):
        record("step_reached", channel=channel, language=lang, step=step, variant=arm)
        if channel == "web":
            record("step_viewed", channel=channel, language=lang, step=step, variant=arm)
        else:
            record(f"{channel}_step", channel=channel, language=lang, step=step)
        if rng.random() < (0.04 if arm.endswith("plain") and step == "danger" else 0.08):
            if channel != "web":
                record("abandoned", channel=channel, language=lang, step=step)
            return
        if channel == "web":
            record("step_completed", channel=channel, language=lang, step=step, variant=arm)
            if i < 3 and rng.random() < 0.1:
                record("validation_error", channel=channel, language=lang, step=step,
                       field=("categories", "danger", "province")[i], variant=arm)
            if rng.random() < 0.01:
                record("language_switched", channel=channel, language=lang, step=step, variant=arm)
    record("submitted", channel=channel, language=lang, variant=arm, seconds=rng.lognormvariate(6.2, 0.6))
    if channel == "web" and rng.random() < 0.3:
        record("feedback", channel=channel, language=lang, step="receipt",
               field="yes" if rng.random() < 0.8 else "no")
    if rng.random() < 0.2:
        record("followup_used", channel="web", language=lang, step="followup")


def year_cases(reports: int, seed: int, now: dt.datetime) -> Iterator[tuple[dict[str, object], list, list]]:
    """(case row, status-change times, officer-reply times) for a year of cases: metadata only."""
    rng = random.Random(seed + 1)  # noqa: S311 - synthetic data, reproducible on purpose
    channels, channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    urgencies, urgency_weights = list(URGENCY_WEIGHTS), list(URGENCY_WEIGHTS.values())
    for i in range(reports):
        received = now - dt.timedelta(hours=int(rng.random() * 365 * 24))
        urgency = rng.choices(urgencies, urgency_weights)[0]
        row = {
            "id": uuid.UUID(int=rng.getrandbits(128)).hex, "case_code": f"R{i:09d}", "submission_key": f"rbench:{i}",
            "channel": rng.choices(channels, channel_weights)[0], "language": rng.choices(LANGS, LANG_WEIGHTS)[0],
            "province": "ON", "region": "ontario", "status": "assessing", "is_open": True, "urgency": urgency,
            "urgency_rank": {"immediate": 0, "high": 1, "standard": 2}[urgency], "categories": 1,
            "danger_now": False, "police_flag": False, "auto_urgency": urgency, "auto_categories": 1,
            "triage_reasons": "[]", "referral_suggestions": "[]", "received_at": received,
            "sla_due_at": received + SLA[urgency], "legal_hold": False, "updated_at": received,
            "contact_pref": "code", "receipt_kdf": '{"suite":"x25519"}', "receipt_verifier": b"v",
            "followup_public_key": b"k",
        }
        status = [received + dt.timedelta(hours=rng.expovariate(1 / 30))] if rng.random() < 0.85 else []
        replies = [received + dt.timedelta(hours=rng.expovariate(1 / 60))] if rng.random() < 0.5 else []
        if rng.random() < 0.15:
            status.append(status[0] + dt.timedelta(days=3) if status else received + dt.timedelta(days=5))
        yield row, status, replies


def _sqlite_value(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, bool):
        return int(v)
    return v


class Loader:
    """Bulk inserts for the seed (the app's own writes would take most of an hour for a year of cells)."""

    def __init__(self, backend: str, target: str) -> None:
        self.backend = backend
        self.target = target
        self.seq = 1_000_000

    async def __aenter__(self) -> Loader:
        if self.backend == "sqlite":
            self.sqlite = sqlite3.connect(self.target)
            self.sqlite.execute("PRAGMA synchronous=OFF")
        else:
            import asyncpg

            self.pg = await asyncpg.connect(self.target)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.backend == "sqlite":
            self.sqlite.execute("ANALYZE")
            self.sqlite.commit()
            self.sqlite.close()
        else:
            await self.pg.execute("ANALYZE")
            await self.pg.close()

    async def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
        if not rows:
            return
        if self.backend == "sqlite":
            sql = f"INSERT INTO {table} ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})"  # noqa: S608
            with self.sqlite:
                self.sqlite.executemany(sql, [tuple(_sqlite_value(v) for v in r) for r in rows])
        else:
            await self.pg.copy_records_to_table(table, records=rows, columns=columns)

    async def cells(self, cells: dict[Cell, int]) -> None:
        columns = ("hour", "event", "step", "field", "channel", "language", "variant", "duration", "count")
        await self.insert("funnel_counts", columns, [(c.hour, c.event, c.step, c.field, c.channel, c.language,
                                                      c.variant, c.duration, n) for c, n in cells.items()])

    async def cases(self, batch: list[tuple[dict[str, object], list, list]]) -> None:
        if not batch:
            return
        columns = tuple(batch[0][0])
        await self.insert("cases", columns, [tuple(row.values()) for row, _, _ in batch])
        audit, messages = [], []
        for row, status, replies in batch:
            for at in status:
                self.seq += 1
                audit.append((self.seq, at, "officer:1", "case.status", "case", row["id"], "{}", "k", "0" * 64,
                              "0" * 64))
            for at in replies:
                messages.append((uuid.uuid4().hex, row["id"], "officer", "web", at, "k", b"e", 0))
        await self.insert("audit_log", ("seq", "at", "actor", "action", "object_type", "object_id", "detail",
                                        "key_id", "prev_mac", "mac"), audit)
        await self.insert("messages", ("id", "case_id", "author", "channel", "created_at", "key_id", "envelope",
                                       "seq"), messages)


async def seed(backend: str, target: str, db: object, reports: int, seed_value: int) -> dict[str, float]:
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    figures: dict[str, float] = {}
    t0 = time.perf_counter()
    hourly = 0
    async with Loader(backend, target) as loader:
        for _, cells in year_cells(reports, seed_value, now):
            hourly += len(cells)
            await loader.cells(cells)
        batch: list[tuple[dict[str, object], list, list]] = []
        for case in year_cases(reports, seed_value, now):
            batch.append(case)
            if len(batch) >= 10_000:
                await loader.cases(batch)
                batch = []
        await loader.cases(batch)
    figures["hourly_cells"] = hourly
    figures["seed_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        from signalement.metrics import rollup
    except ImportError:  # before the roll-up existed: the "before" figures
        figures["rolled_cells"] = 0
    else:
        figures["rolled_cells"] = await rollup.roll_up(db)  # type: ignore[arg-type]
    figures["rollup_s"] = time.perf_counter() - t0
    async with Loader(backend, target):
        pass  # ANALYZE again after the roll-up, as autovacuum (PostgreSQL) or PRAGMA optimize would by then
    figures["day_cells"] = await _count(db, "funnel_days")
    return figures


async def _count(db: object, table: str) -> int:
    from sqlalchemy import text

    try:
        async with db.reading() as session:  # type: ignore[attr-defined]
            return int(await session.scalar(text(f"SELECT count(*) FROM {table}")))  # noqa: S608 - a constant
    except Exception:  # noqa: BLE001 - before 0013 the table does not exist
        return 0


# ---- 3. measuring --------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_backend(backend: str, reports: int, repeat: int, seed_value: int, keep: bool,
                      reuse: str | None) -> dict[str, object]:
    import httpx
    import msgspec

    from signalement.app import create_app
    from signalement.bootstrap import initialize
    from signalement.db.models import Role
    from signalement.runtime import Runtime
    from signalement.settings import load_settings
    from support import pg
    from support.officers import OfficerLogin, create_officer, sign_in
    from support.stack import AdminLogin

    if reuse:
        root = Path(reuse)
        saved = json.loads((root / "bench.json").read_text())
        database = saved["database"]
    else:
        root = Path(tempfile.mkdtemp(prefix=f"research-bench-{backend}-"))
        database = pg.create_database("sig_rbench") if backend == "postgres" else None
    settings = load_settings({}, data_dir=str(root / "var"), kdf_cost="test",
                             database_url=pg.sqlalchemy_url(database) if database else "",
                             experiment=EXPERIMENT)
    out: dict[str, object] = {}
    try:
        if not reuse:
            report = await initialize(settings)
            assert report.admin is not None
            admin = AdminLogin(report.admin.username, report.admin.one_time_password,
                               report.admin.totp_secret or b"")
        runtime = Runtime(settings)
        app = create_app(settings, runtime=runtime)
        if reuse:
            researcher = msgspec.convert(saved["researcher"], OfficerLogin)
        else:
            target = (str(root / "var" / "signalement.db") if backend == "sqlite"
                      else pg.ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}")
            out.update(await seed(backend, target, runtime.db, reports, seed_value))
            print(f"[{backend}] seeded {reports:,} cases and {int(out['hourly_cells']):,} hourly cells in "
                  f"{out['seed_s']:.0f} s; the roll-up moved {int(out['rolled_cells']):,} of them into "
                  f"{int(out['day_cells']):,} day cells in {out['rollup_s']:.1f} s", flush=True)
            researcher = await create_officer(runtime, admin, Role.RESEARCHER, region=None)
            (root / "bench.json").write_text(json.dumps({"database": database,
                                                         "researcher": msgspec.to_builtins(researcher)}))
        out["flush_ms"] = await bench_flush(runtime.db, 4000)
        # What the housekeeping timer does off the request path (metrics.snapshots): every window's report.
        from signalement.metrics import snapshots
        from signalement.research.pages import snapshot_settings

        t0 = time.perf_counter()
        refreshed = await snapshots.refresh(runtime.db, msgspec.structs.replace(snapshot_settings(runtime),
                                                                                max_age=1e-6))
        out["snapshot_s"] = time.perf_counter() - t0
        print(f"[{backend}] snapshot refresh of {refreshed} windows (timer, off the request path): "
              f"{out['snapshot_s']:.1f} s", flush=True)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            await sign_in(client, runtime, researcher)
            for url, label in PAGES:
                times = []
                for _ in range(repeat + 1):
                    t0 = time.perf_counter()
                    r = await client.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, (url, r.status_code)
                times = times[1:]  # the first request warms template and statement caches
                out[label] = (_percentile(times, 0.5), _percentile(times, 0.95))
                print(f"[{backend}] {label}: p50 {out[label][0]:.0f} ms, p95 {out[label][1]:.0f} ms "  # type: ignore[index]
                      f"(target {TARGET_MS:.0f} ms, p95 ratio {out[label][1] / TARGET_MS:.2f})", flush=True)  # type: ignore[index]
        out.update(await breakdown(runtime, repeat))
        for label in ("usability cells", "case handling"):
            print(f"[{backend}]   of which {label} (365 days): p50 {out[label][0]:.0f} ms wall, "  # type: ignore[index]
                  f"{out[label][1]:.0f} ms CPU", flush=True)  # type: ignore[index]
        await runtime.close()
        return out
    finally:
        if keep or reuse:
            print(f"[{backend}] kept: --reuse {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
            if database:
                pg.drop_database(database)


async def breakdown(runtime: object, repeat: int) -> dict[str, tuple[float, float]]:
    """Where a 365-day report's time goes: (p50 wall ms, p50 CPU ms of this process and its threads)."""
    from signalement.db.models import utcnow
    from signalement.metrics import aggregates, casework

    db = runtime.db  # type: ignore[attr-defined]
    filters = aggregates.default_filters(365)

    async def cells() -> None:
        await aggregates.load_rows(db, filters)
        await aggregates.load_feedback_weeks(db, filters)

    async def cases() -> None:
        await casework.load(db, filters.start, filters.end, channel="", language="", now=utcnow(), k=10)

    out = {}
    for label, part in (("usability cells", cells), ("case handling", cases)):
        walls, cpus = [], []
        for _ in range(max(3, repeat // 2)):
            t0, c0 = time.perf_counter(), time.process_time()
            await part()
            walls.append((time.perf_counter() - t0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
        out[label] = (_percentile(walls, 0.5), _percentile(cpus, 0.5))
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,  # noqa: S603, S607
                              text=True, check=False).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, git {revision or '?'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database (prints --reuse DIR)")
    parser.add_argument("--reuse", help="measure again on a database kept by --keep (one backend)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    per_event, per_request = bench_record()
    print(f"record: a submission event {per_event:.1f} µs; a form request's recording (4 events): {per_request:.4f} ms "
          f"(target < 1 ms, ratio {per_request:.4f})", flush=True)
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        out = asyncio.run(run_backend(backend, args.reports, args.repeat, args.seed, args.keep, args.reuse))
        print(f"[{backend}] flush of 4,000 cells (timer, off the request path): {out['flush_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
