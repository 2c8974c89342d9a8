"""Queue benchmark: 1,000,000 realistic cases, first page of every single filter, SQLite and PostgreSQL.

    .venv/bin/python benchmarks/queue.py                    # both databases, 1,000,000 cases
    .venv/bin/python benchmarks/queue.py --cases 100000 --backend sqlite

For each backend it builds a fresh database with the real migrations, drops
the ``cases`` indexes, bulk-loads the cases (``COPY`` on PostgreSQL, one
``executemany`` transaction on SQLite), recreates exactly the indexes the
migrations defined, and analyses the table. Sealed fields are left out: the
queue never reads them.

It then signs a supervisor and a regional officer in to the real app
(in-process ASGI) and requests ``/officer/queue`` with each filter:
"server time" is from the request entering the app to the last byte of the
rendered page (session, guard, queries, counts, template). It prints p50 and
p95 per filter and the ratio to the 100 ms target (below 1.0 is inside it).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the standard library's ``queue``: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import msgspec  # noqa: E402

TARGET_MS = 100.0
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from signalement import triage  # noqa: E402
from signalement.db.models import Role  # noqa: E402

# fmt: off
PROVINCES = {"ON": 30, "QC": 18, "BC": 16, "AB": 12, "MB": 5, "SK": 5, "NS": 4, "NB": 3, "PE": 3, "NL": 2,
             "NT": 1, "NU": 0.5, "YT": 0.5}
CHANNELS = {"web": 65, "sms": 25, "voice": 10}
LANGUAGES = {"es": 30, "tl": 15, "en": 12, "pa": 10, "fr": 10, "hi": 8, "vi": 8, "zh": 7}
CATEGORY_WEIGHTS = {"wages": 30, "hours_rest": 20, "housing": 12, "health_safety": 10, "documents": 8,
                    "job_mismatch": 8, "recruitment_fees": 7, "psychological_abuse": 7, "status_threats": 5,
                    "financial_abuse": 4, "reprisal": 4, "physical_abuse": 3, "confinement": 1.5,
                    "sexual_abuse": 1, "other": 3}
OPEN_STATUSES = {"new": 35, "triaged": 20, "assessing": 25, "referred": 12, "inspection": 8}
OUTCOMES = ("substantiated", "not_substantiated", "referred_elsewhere", "duplicate",
            "insufficient_information", "withdrawn", "out_of_scope")
SLA = {"immediate": dt.timedelta(hours=24), "high": dt.timedelta(days=2.8), "standard": dt.timedelta(days=14)}
EMPLOYERS = 60_000
COLUMNS = (
    "id", "case_code", "submission_key", "channel", "language", "province", "region", "status", "is_open",
    "outcome", "urgency", "urgency_rank", "categories", "danger_now", "police_flag", "auto_urgency",
    "auto_categories", "triage_reasons", "referral_suggestions", "employer_index", "received_at",
    "sla_due_at", "assignee_id", "legal_hold", "closed_at", "purge_after", "updated_at", "contact_pref",
    "receipt_kdf", "receipt_verifier", "followup_public_key",
)
# fmt: on


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def region_of(province: str) -> str:
    return triage.DEFAULT_REGIONAL_OFFICES[province]


def generate(n: int, seed: int, officers: dict[str, list[int]]) -> Iterator[tuple[object, ...]]:
    """Cases over five years; recent ones mostly open, old ones mostly closed."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    employers = [f"bench:{rng.getrandbits(256):064x}" for _ in range(EMPLOYERS)]
    regions = {p: region_of(p) for p in PROVINCES}
    cat_codes, cat_weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    for i in range(n):
        age_days = rng.random() * 5 * 365
        received = now - dt.timedelta(hours=int(age_days * 24))
        p_open = 0.9 if age_days < 14 else 0.6 if age_days < 60 else 0.25 if age_days < 365 else 0.03
        is_open = rng.random() < p_open
        status = _pick(rng, OPEN_STATUSES) if is_open else "closed"
        cats = set(rng.choices(cat_codes, weights=cat_weights, k=rng.choice((1, 1, 2, 2, 3))))
        mask = triage.category_mask(cats)
        urgency = (
            "immediate"
            if cats & {"physical_abuse", "sexual_abuse", "confinement"}
            else ("high" if rng.random() < 0.3 else "standard")
        )
        province = _pick(rng, PROVINCES)
        region = regions[province]
        staff = officers.get(region) or officers["*"]
        assigned = (status != "new" and rng.random() < 0.7) or (not is_open and rng.random() < 0.9)
        assignee = rng.choice(staff) if assigned else None
        employer = employers[int(rng.paretovariate(1.1)) % EMPLOYERS] if rng.random() < 0.75 else None
        closed_at = received + dt.timedelta(days=rng.randint(5, 120)) if not is_open else None
        # fmt: off
        yield (
            f"{rng.getrandbits(128):032x}", f"B{i:09d}", f"bench:{i}", _pick(rng, CHANNELS), _pick(rng,
            LANGUAGES), province, region, status, is_open, None if is_open else rng.choice(OUTCOMES),
            urgency, triage.URGENCY_RANK[urgency], mask, urgency == "immediate", urgency == "immediate",
            urgency, mask, "[]", "[]", employer, received, received + SLA[urgency], assignee, False,
            closed_at, closed_at + dt.timedelta(days=730) if closed_at else None, closed_at or received,
            "code", '{"suite":"x25519"}', b"v", b"k",
        )
        # fmt: on


# ---- loading -----------------------------------------------------------------------------------------


def _sqlite_value(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, bool):
        return int(v)
    return v


def load_sqlite(path: Path, rows: Iterator[tuple[object, ...]]) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='cases' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    placeholders = ",".join("?" * len(COLUMNS))
    sql = f"INSERT INTO cases ({','.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608 - our own column names
    batch: list[tuple[object, ...]] = []
    with con:
        for row in rows:
            batch.append(tuple(_sqlite_value(v) for v in row))
            if len(batch) >= 50_000:
                con.executemany(sql, batch)
                batch.clear()
        con.executemany(sql, batch)
    for _, ddl in indexes:
        con.execute(ddl)
    con.execute("ANALYZE")
    con.commit()
    con.close()


async def load_postgres(dsn: str, rows: Iterator[tuple[object, ...]]) -> None:
    import asyncpg

    con = await asyncpg.connect(dsn)
    try:
        indexes = await con.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename='cases' "
            "AND indexname <> 'pk_cases' AND indexname NOT LIKE 'uq_%'"
        )
        for r in indexes:
            await con.execute(f'DROP INDEX "{r["indexname"]}"')
        batch: list[tuple[object, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                await con.copy_records_to_table("cases", records=batch, columns=COLUMNS)
                batch.clear()
        await con.copy_records_to_table("cases", records=batch, columns=COLUMNS)
        for r in indexes:
            await con.execute(r["indexdef"])
        await con.execute("VACUUM ANALYZE cases")
    finally:
        await con.close()


# ---- measuring ---------------------------------------------------------------------------------------

SUPERVISOR_FILTERS = [
    "",
    "status=new",
    "status=assessing",
    "status=closed",
    "status=all",
    "urgency=immediate",
    "urgency=standard",
    "category=wages",
    "category=sexual_abuse",
    "category=other",
    "province=ON",
    "province=YT",
    "region=western",
    "channel=voice",
    "language=zh",
    "assignee=none",
    "assignee={officer}",
    "assignee=me",
    "breached=true",
    "employer={big_cluster}",
    "employer={small_cluster}",
    "status=closed&category=confinement",
    "sort=deadline",
    "status=all&sort=deadline",
    "category=sexual_abuse&sort=deadline",
]
OFFICER_FILTERS = ["", "category=confinement", "breached=true", "status=new", "channel=sms", "sort=deadline"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


async def _staff(runtime, admin) -> dict[str, object]:  # noqa: ANN001
    from support.officers import create_officer

    supervisor = await create_officer(
        runtime, admin, Role.SUPERVISOR, region=None, username="bench-supervisor"
    )
    by_region: dict[str, list[int]] = {}
    logins = {}
    for i, region in enumerate(
        [
            "ontario",
            "ontario",
            "ontario",
            "quebec",
            "quebec",
            "western",
            "western",
            "western",
            "atlantic",
            "atlantic",
        ]
    ):
        login = await create_officer(
            runtime, admin, Role.OFFICER, region=region, username=f"bench-officer{i}"
        )
        by_region.setdefault(region, []).append(login.id)
        logins.setdefault(region, login)
    by_region["*"] = [o for ids in by_region.values() for o in ids]
    return {"supervisor": supervisor, "officer": logins["ontario"], "by_region": by_region}


async def _clusters(runtime) -> tuple[str, str]:  # noqa: ANN001
    from sqlalchemy import func, select

    from signalement.db.models import Case

    async with runtime.db.reading() as session:
        rows = (
            await session.execute(
                select(Case.employer_index, func.count())
                .where(Case.employer_index.is_not(None))
                .group_by(Case.employer_index)
                .order_by(func.count().desc())
                .limit(2000)
            )
        ).all()
    return rows[0][0], rows[-1][0]


def _label(who: str, f: str) -> str:
    f = f.replace("{officer}", "<an officer>")
    if f.startswith("employer"):
        return f"{who}: employer ({'largest' if 'big' in f else 'small'} cluster)"
    if f.startswith("after"):
        return f"{who}: open, page 2 (after=cursor)"
    return f"{who}: {f or 'open (default)'}"


async def _time(client, url: str, repeat: int) -> list[float]:  # noqa: ANN001
    times = []
    for i in range(repeat + 3):
        t0 = time.perf_counter()
        r = await client.get(url)
        elapsed = (time.perf_counter() - t0) * 1000
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        if i >= 3:  # warm-up: first plans, first connections
            times.append(elapsed)
    return times


async def measure(runtime, app, logins, repeat: int) -> list[tuple[str, float, float]]:  # noqa: ANN001
    """Time the real page through the app, in process: session, guard, queries, counts and template."""
    from urllib.parse import quote

    import httpx

    from support.officers import sign_in

    big, small = await _clusters(runtime)
    values = {
        "officer": logins["officer"].id,
        "big_cluster": quote(big),
        "small_cluster": quote(small),
        "after": "",
    }
    results = []
    for who, filters in (("supervisor", SUPERVISOR_FILTERS), ("officer", OFFICER_FILTERS)):
        cookies = None
        for n, f in enumerate([""] + list(filters) + (["after={after}"] if who == "supervisor" else [])):
            # The app runs in this event loop (no test-client thread): what is timed is the app itself.
            # Each filter comes from its own address so the app's per-address rate limit stays out of the way.
            transport = httpx.ASGITransport(app=app, client=(f"127.0.{n // 200}.{n % 200 + 1}", 40000))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1", cookies=cookies
            ) as client:
                if cookies is None:
                    await sign_in(client, runtime, logins[who])
                    cookies = client.cookies
                    first = (await client.get("/officer/queue")).text
                    values["after"] = (
                        first.split("after=", 1)[1].split('"', 1)[0] if "after=" in first else ""
                    )
                    continue
                query = f.format(**values)
                times = await _time(client, "/officer/queue" + (f"?{query}" if query else ""), repeat)
                results.append((_label(who, f), _percentile(times, 0.5), _percentile(times, 0.95)))
    return results


async def measure_counts(runtime, logins, repeat: int) -> list[tuple[str, float, float]]:  # noqa: ANN001
    """The counts query alone, uncached: what one page view pays once per cache period."""
    from signalement.officer.queue import queue_counts
    from support.officers import principal_of

    results = []
    for who in ("supervisor", "officer"):
        principal = await principal_of(runtime, logins[who].username)
        times = []
        for i in range(repeat + 3):
            async with runtime.db.reading() as session:
                t0 = time.perf_counter()
                await queue_counts(session, principal)
                if i >= 3:
                    times.append((time.perf_counter() - t0) * 1000)
        results.append(
            (f"{who}: counts per urgency, uncached", _percentile(times, 0.5), _percentile(times, 0.95))
        )
    return results


async def _prepare(backend: str, n: int, seed: int) -> tuple[Path, str | None, dict[str, object]]:
    """A fresh database with ``n`` cases and the staff who work them."""
    from signalement.bootstrap import initialize
    from signalement.runtime import Runtime
    from support import pg
    from support.stack import AdminLogin

    root = Path(tempfile.mkdtemp(prefix=f"queue-bench-{backend}-"))
    database = pg.create_database("sig_bench") if backend == "postgres" else None
    settings = _settings(root, database)
    report = await initialize(settings)
    assert report.admin is not None
    admin = AdminLogin(report.admin.username, report.admin.one_time_password, report.admin.totp_secret or b"")
    runtime = Runtime(settings)
    staff = await _staff(runtime, admin)
    await runtime.close()
    t0 = time.perf_counter()
    rows = generate(n, seed, staff["by_region"])  # type: ignore[arg-type]
    if backend == "sqlite":
        load_sqlite(root / "var" / "signalement.db", rows)
    else:
        await load_postgres(pg.ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}", rows)
    print(
        f"[{backend}] loaded {n:,} cases and rebuilt indexes in {time.perf_counter() - t0:.0f} s", flush=True
    )
    (root / "bench-staff.json").write_text(
        msgspec.json.encode(
            {"database": database, "supervisor": staff["supervisor"], "officer": staff["officer"]}
        ).decode()
    )
    return root, database, staff


def _settings(root: Path, database: str | None):  # noqa: ANN202
    from signalement.settings import load_settings
    from support import pg

    return load_settings(
        {}, data_dir=str(root / "var"), database_url=pg.sqlalchemy_url(database) if database else ""
    )


async def run_backend(
    backend: str, n: int, repeat: int, seed: int, keep: bool, reuse: str | None
) -> list[tuple[str, float, float]]:
    from signalement.app import create_app
    from signalement.runtime import Runtime
    from support import pg
    from support.officers import OfficerLogin

    if reuse:
        root = Path(reuse)
        saved = msgspec.json.decode((root / "bench-staff.json").read_bytes())
        database = saved["database"]
        staff = {k: msgspec.convert(saved[k], OfficerLogin) for k in ("supervisor", "officer")}
    else:
        root, database, staff = await _prepare(backend, n, seed)
    settings = _settings(root, database)
    try:
        runtime = Runtime(settings)
        app = create_app(settings, runtime=runtime)
        try:
            return await measure(runtime, app, staff, repeat) + await measure_counts(runtime, staff, repeat)
        finally:
            await runtime.close()
    finally:
        if keep or reuse:
            print(f"[{backend}] kept: --reuse {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
            if database:
                pg.drop_database(database)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {mem_kb / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per filter (after 3 warm-ups)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", action="store_true", help="keep the databases for inspection")
    parser.add_argument("--reuse", help="measure a database kept by an earlier --keep run (one backend)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    os.environ.setdefault("SIGNALEMENT_LOG_LEVEL", "WARNING")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"# Queue benchmark, {args.cases:,} cases, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"# {machine()}")
    out: dict[str, list[dict[str, object]]] = {}
    for backend in backends:
        results = asyncio.run(run_backend(backend, args.cases, args.repeat, args.seed, args.keep, args.reuse))
        print(f"\n## {backend}: first page (50 rows) of /officer/queue, server time in ms")
        print(f"{'filter':<52} {'p50':>8} {'p95':>8} {'p95/100ms':>10}")
        for label, p50, p95 in results:
            print(f"{label:<52} {p50:>8.1f} {p95:>8.1f} {p95 / TARGET_MS:>10.2f}")
        worst = max(p95 for _, _, p95 in results)
        print(f"worst p95 {worst:.1f} ms = {worst / TARGET_MS:.2f} x the {TARGET_MS:.0f} ms target")
        out[backend] = [{"filter": f, "p50_ms": round(a, 2), "p95_ms": round(b, 2)} for f, a, b in results]
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
