"""``make bench``: every benchmark, one table, and the figures appended to ``docs/performance.md``.

The web benchmarks run a real ``signalement serve`` (every core, the default) on a fresh ``signalement
init`` with the standard Argon2id cost, on SQLite and on PostgreSQL, and load it from this process over
127.0.0.1 with an httpx client at concurrency 32 (one client address; the rate limit is raised for the
run). Each phase lasts ``--seconds``; every server is started in its own process group and stopped by
PID. Phases:

* **walk**: each client walks the whole form as a browser does (GET, seven step POSTs, Send) again and
  again: requests per second through the form, completed reports per second, step GET/POST and Send
  latencies;
* **send**: drafts are walked to the review page first (not timed), then only "Send" is flooded: completed
  reports per second of the full submission path (CSRF, form parse, validation, triage, sealing, Argon2id
  receipt, commit), its p50/p99, and the p99 of a reporter page fetched by one more client *during* the flood;
* **paced send**: the same, at two clients a core (``PACED_PER_CORE``): the rate and Send p99 where the queue
  in front of Argon2id is short. The flood's mean Send latency cannot be under 32 ÷ its rate (Little's law),
  printed beside its p99;
* **ceiling**: ``benchmarks/ceiling.py``, a bare Litestar endpoint that validates the report's fields, seals
  the story and inserts one row, under the same uvicorn worker count: our send rate over its rate;
* the **Argon2id bound**: cores / one receipt derivation (measured here), our send rate over it, and the
  Argon2id share of the server CPU a report costs: both from the server's ``/proc`` over the same flood, the
  CPU of its Argon2id pool threads (told apart by their lowered priority) over the CPU of all its threads.
  The load client shares the cores, so the flood also measures its CPU (this process's ``process_time``)
  and the whole machine's (``/proc/stat``), and prints the bound on the cores the server got (its CPU
  seconds ÷ wall seconds ÷ one derivation) and our rate over that, beside the bound on all the cores;
* **memory**: peak RSS (VmHWM) of each server worker after the phases.

Then ``cpu.py`` per backend (CPU and database commits per request, in process, one request at a time:
the Argon2id share of a Send and the CPU of each step page, figures a loaded machine distorts least), and
the existing benchmarks, shortened (``vault.py``, ``triage.py``, ``research.py``, ``queue.py`` at
``--queue-cases``); their own output is kept verbatim. Also the **page weight** of every reporter page
in every language (gzip, HTML and stylesheet). And ``sms.py`` per backend: the SMS webhook at 50 concurrent
conversations on its own ``signalement serve`` and bare signed endpoint, at a typing pace (think 1 s, the
headline) and flat out (think 0, the stress figure with its throughput).

Run: ``make bench`` or ``.venv/bin/python benchmarks/run.py [--seconds 15] [--backend both] [--no-append]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/queue.py would shadow the standard library's queue module: drop this folder from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT / "tests"))  # support.pg: databases on the local PostgreSQL

from signalement.vault.kdf import RECEIPT_PARAMS, derive  # noqa: E402
from support import pg  # noqa: E402

CONCURRENCY = 32
# The Send flood's latency is bounded below by Little's law: 32 reports in flight completed at most at the
# Argon2id bound (about 49/s on two cores) wait 32 / 49 = 0.65 s on average, whatever the code does. So Send is
# also measured at two clients a core, a concurrency the bound serves with a short queue: there the p99 says
# what our code adds (target < 300 ms). Both are printed; neither replaces the other.
PACED_PER_CORE = 2
PROBE_PAUSE_SECONDS = 0.02  # between the page reads during a Send phase (at most 50 a second)
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
FLOW = [
    {"categories": ["wages", "documents"], "action": "next"},
    {"danger": "no", "action": "next"},
    {"province": "ON", "town": "Leamington", "action": "next"},
    {"employer": "Acme Greenhouses", "recruiter": "", "site": "12 Road 3", "action": "next"},
    {"narrative": "The boss took my passport and pays us late every month. " * 8, "action": "next"},
    {"action": "next"},
    {"contact": "none", "action": "next"},
]
CEILING_BODY = {"categories": ["wages", "documents"], "danger": "no", "province": "ON", "town": "Leamington",
                "employer": "Acme Greenhouses", "narrative": FLOW[4]["narrative"], "contact": "none"}
HIDDEN = re.compile(r'name="(_csrf_token|draft)" value="([^"]*)"')


# ---- servers ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server in its own process group, stopped by PID."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, ready_path: str, log: Path) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        with log.open("ab") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(self.base_url + ready_path, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready in 60 s: {log.read_text()[-2000:]}")

    def pids(self) -> list[int]:
        """The server process and everything under it."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*"):  # children of every thread
                try:
                    todo += [int(c) for c in (task / "children").read_text().split()]
                except OSError:
                    pass
        return found

    def cpu_seconds(self) -> float:
        return self.cpu_split()[0]

    def cpu_split(self) -> tuple[float, float]:
        """CPU seconds of the whole process tree, and of its Argon2id pool threads alone: the threads whose
        nice value is above their process's main thread (``vault.kdf.lower_thread_priority``), read per
        thread from ``/proc/<pid>/task/<tid>/stat``. Both from the same server over the same interval."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = kdf = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (every thread, ended ones too)
            main_nice = int(fields[16])
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    thread = (task / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(thread[16]) > main_nice:
                    kdf += int(thread[11]) + int(thread[12])
        return total / ticks, kdf / ticks

    def peak_rss_mb(self) -> list[float]:
        """VmHWM of each process that serves (the workers, or the one process)."""
        peaks = []
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" in cmdline:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return peaks[1:] if len(peaks) > 1 else peaks  # with workers, the first is the supervisor

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def base_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALEMENT_")}
    env.update({"SIGNALEMENT_DATA_DIR": str(data_dir), "SIGNALEMENT_DATABASE_URL": database_url,
                "SIGNALEMENT_LOG_LEVEL": "WARNING", "SIGNALEMENT_RATE_LIMIT_PER_MINUTE": "100000000"})
    return env


# ---- load ------------------------------------------------------------------------------------------------

@dataclass
class Phase:
    seconds: float = 0.0
    requests: int = 0
    reports: int = 0
    errors: int = 0
    cpu_seconds: float = 0.0
    kdf_cpu_seconds: float = 0.0  # of cpu_seconds, the server's Argon2id pool threads (Server.cpu_split)
    # The load client (this process, every thread) and the whole machine (/proc/stat), over the same interval:
    # on a machine of a few cores the client competes with the server for them.
    client_cpu_seconds: float = 0.0
    machine_cpu_seconds: float = 0.0
    latency: dict[str, list[float]] = field(default_factory=dict)
    # A Send flood's first half, before the page reader starts: the same figures for Sends alone, so the
    # Argon2id share is not charged with the CPU of the pages read for the latency probe (about 1 ms a report).
    solo: Phase | None = None

    def add(self, kind: str, seconds: float) -> None:
        self.latency.setdefault(kind, []).append(seconds * 1000)
        self.requests += 1

    def pct(self, kind: str, q: float) -> float:
        values = sorted(self.latency.get(kind, []))
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def machine_cpu_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot (``/proc/stat``: all but idle and
    iowait), whoever spent them: ours, the load client's and any neighbour's."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is counted in user already); stolen time
    # counts as busy: the hypervisor gave that core to someone else.
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def hidden(text: str) -> dict[str, str]:
    return dict(HIDDEN.findall(text))


async def timed(phase: Phase, kind: str, call):  # noqa: ANN001, ANN201
    t0 = time.perf_counter()
    response = await call
    phase.add(kind, time.perf_counter() - t0)
    if response.status_code >= 400:
        phase.errors += 1
    return response


async def walk_to_review(client: httpx.AsyncClient, phase: Phase) -> dict[str, str]:
    page = await timed(phase, "step GET", client.get("/en/report"))
    for data in FLOW:
        page = await timed(phase, "step POST", client.post("/en/report", data={**hidden(page.text), **data}))
    return hidden(page.text)


async def send(client: httpx.AsyncClient, phase: Phase, fields: dict[str, str]) -> None:
    page = await timed(phase, "Send", client.post("/en/report", data={**fields, "action": "submit"}))
    if 'class="receipt"' in page.text:
        phase.reports += 1


def new_client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=30,
                             limits=httpx.Limits(max_connections=2, max_keepalive_connections=2))


async def phase_walk(server: Server, seconds: float) -> Phase:
    phase = Phase()
    end = time.monotonic() + seconds

    async def one() -> None:
        async with new_client(server.base_url) as client:
            while time.monotonic() < end:
                await send(client, phase, await walk_to_review(client, phase))

    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
    phase.seconds, phase.cpu_seconds = time.perf_counter() - t0, server.cpu_seconds() - cpu0
    return phase


async def phase_send(server: Server, seconds: float, concurrency: int = CONCURRENCY) -> Phase:
    """Drafts walked first (not timed), then only Send, with one more client reading a page meanwhile."""
    untimed = Phase()
    clients = [new_client(server.base_url) for _ in range(concurrency)]
    drafts: list[list[dict[str, str]]] = [[] for _ in clients]
    end = time.monotonic() + seconds

    async def prepare(i: int) -> None:
        while time.monotonic() < end:
            drafts[i].append(await walk_to_review(clients[i], untimed))

    await asyncio.gather(*(prepare(i) for i in range(concurrency)))
    phase, flooding = Phase(), True
    half, halfway = sum(map(len, drafts)) // 2, asyncio.Event()

    async def flood(i: int) -> None:
        for fields in drafts[i]:
            await send(clients[i], phase, fields)
            if phase.reports >= half:
                halfway.set()

    async def reader() -> None:
        async with new_client(server.base_url) as client:
            while flooding:
                await timed(phase, "page GET during flood", client.get("/en/report"))
                # Paced: the server CPU per report below counts these pages too; unpaced, a fast page made a
                # slow flood look several times dearer per report.
                await asyncio.sleep(PROBE_PAUSE_SECONDS)

    (cpu0, kdf0), t0 = server.cpu_split(), time.perf_counter()
    client0, machine0 = time.process_time(), machine_cpu_seconds()

    def since_start() -> Phase:
        cpu, kdf = server.cpu_split()
        return Phase(seconds=time.perf_counter() - t0, reports=phase.reports, cpu_seconds=cpu - cpu0,
                     kdf_cpu_seconds=kdf - kdf0, client_cpu_seconds=time.process_time() - client0,
                     machine_cpu_seconds=machine_cpu_seconds() - machine0)

    async def solo_then_reader() -> None:
        # Sends alone until half the drafts are sent; then the page reader, for the latency under the flood.
        await halfway.wait()
        phase.solo = since_start()
        await reader()

    probe = asyncio.create_task(solo_then_reader())
    await asyncio.gather(*(flood(i) for i in range(concurrency)))
    flooding = False
    halfway.set()
    await probe
    whole = since_start()
    phase.seconds, phase.cpu_seconds, phase.kdf_cpu_seconds = whole.seconds, whole.cpu_seconds, whole.kdf_cpu_seconds
    phase.client_cpu_seconds, phase.machine_cpu_seconds = whole.client_cpu_seconds, whole.machine_cpu_seconds
    for client in clients:
        await client.aclose()
    return phase


async def phase_ceiling(server: Server, seconds: float) -> Phase:
    phase = Phase()
    end = time.monotonic() + seconds

    async def one() -> None:
        async with new_client(server.base_url) as client:
            while time.monotonic() < end:
                r = await timed(phase, "ceiling POST", client.post("/submit", data=CEILING_BODY))
                phase.reports += r.status_code == 303

    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
    phase.seconds, phase.cpu_seconds = time.perf_counter() - t0, server.cpu_seconds() - cpu0
    return phase


async def page_weights(base_url: str) -> dict[str, tuple[float, float]]:
    """Per language: the heaviest reporter page and the whole walk to the receipt, gzip KB (HTML + CSS)."""
    from signalement.i18n import LANGUAGES

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        css = gz_kb((await client.get("/static/site.css")).content)
        out = {}
        for lang in LANGUAGES:
            sizes = [gz_kb((await client.get("/")).content), gz_kb((await client.get(f"/{lang.code}/")).content)]
            page = await client.get(f"/{lang.code}/report")
            sizes.append(gz_kb(page.content))
            for data in FLOW:
                page = await client.post(f"/{lang.code}/report", data={**hidden(page.text), **data})
                sizes.append(gz_kb(page.content))
            page = await client.post(f"/{lang.code}/report", data={**hidden(page.text), "action": "submit"})
            sizes.append(gz_kb(page.content))
            sizes.append(gz_kb((await client.get(f"/{lang.code}/follow-up")).content))
            # The stylesheet is fetched again with every page: it is sent with no-store (security_headers).
            out[lang.code] = (max(sizes) + css, sum(sizes) + css * len(sizes))
        return out


def gz_kb(data: bytes) -> float:
    return len(gzip.compress(data, compresslevel=6)) / 1024


# ---- one backend -----------------------------------------------------------------------------------------

@dataclass
class WebResult:
    backend: str
    workers: int
    walk: Phase
    send: Phase
    paced: Phase  # Send at the concurrency the Argon2id bound serves with a short queue (PACED_PER_CORE a core)
    ceiling: Phase
    rss_mb: list[float]
    weights: dict[str, tuple[float, float]]


def run_web(backend: str, workers: int, seconds: float, root: Path) -> WebResult:
    database = pg.create_database("sig_bench") if backend == "postgres" else None
    url = pg.sqlalchemy_url(database) if database else ""
    data_dir = root / backend / "var"
    env = base_env(data_dir, url)
    try:
        subprocess.run([sys.executable, "-m", "signalement", "init"], env=env, check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        port = free_port()
        env["SIGNALEMENT_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        server = Server([sys.executable, "-m", "signalement", "serve", "--port", str(port),
                         "--workers", str(workers)], env, port, "/healthz", root / f"{backend}-serve.log")
        try:
            walk = asyncio.run(phase_walk(server, seconds))
            sent = asyncio.run(phase_send(server, seconds))
            paced = asyncio.run(phase_send(server, seconds, PACED_PER_CORE * workers))
            rss = server.peak_rss_mb()
            weights = asyncio.run(page_weights(server.base_url))
        finally:
            server.stop()
        ceiling = run_ceiling(backend, url or f"sqlite+aiosqlite:///{root / backend / 'ceiling.db'}",
                              workers, seconds, root)
        return WebResult(backend, workers, walk, sent, paced, ceiling, rss, weights)
    finally:
        if database:
            pg.drop_database(database)


def run_ceiling(backend: str, url: str, workers: int, seconds: float, root: Path) -> Phase:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1]) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("CREATE TABLE IF NOT EXISTS ceiling_rows (id VARCHAR(36) PRIMARY KEY, envelope BLOB)")
    else:
        async def create() -> None:
            from sqlalchemy import text

            from signalement.db.engine import Database

            db = Database(url)
            async with db.writing() as session:
                await session.execute(text("CREATE TABLE IF NOT EXISTS ceiling_rows "
                                           "(id VARCHAR(36) PRIMARY KEY, envelope BYTEA NOT NULL)"))
                await session.commit()
            await db.dispose()

        asyncio.run(create())
    port = free_port()
    env = {**os.environ, "CEILING_DATABASE_URL": url}
    # A folder of its own for the app module (the benchmarks folder would shadow the queue module).
    app_dir = root / "ceiling-app"
    app_dir.mkdir(exist_ok=True)
    shutil.copy(ROOT / "benchmarks" / "ceiling.py", app_dir / "ceiling.py")
    command = [sys.executable, "-m", "uvicorn", "ceiling:create_app", "--factory", "--app-dir", str(app_dir),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
               # As signalement serve runs (cli.cmd_serve, no trusted proxy): no Server header, no proxy-header
               # middleware; HTTP and loop "auto" on both sides (httptools and uvloop when installed).
               "--no-server-header", "--no-proxy-headers", "--log-level", "warning"]
    server = Server(command, env, port, "/submit", root / f"{backend}-ceiling.log")
    try:
        return asyncio.run(phase_ceiling(server, seconds))
    finally:
        server.stop()


# ---- report ----------------------------------------------------------------------------------------------

def argon2_ms() -> float:
    """CPU time of one receipt derivation: the fastest of 15 (thread CPU time). A memory-hard derivation's CPU
    time still moves with the caches and the neighbours (the median of 5 read 19.0 ms at 02:22 and 23.2 ms at
    02:36 on 2026-12-05, while the server's own derivations cost 20.6-21.5 ms a report): the fastest is the
    bound at its best, so the ratio to it is never flattered by a slow moment. Also the figure ``cpu.py``
    prints (it loads this module), so the two benchmarks divide by the same number."""
    times = []
    for _ in range(15):
        t0 = time.thread_time()
        derive(RECEIPT_PARAMS, b"0123456789012345", os.urandom(16), pepper=os.urandom(32))
        times.append(time.thread_time() - t0)
    return min(times) * 1000


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{model}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, load average {os.getloadavg()[0]:.1f} at start")


def git_rev() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        return out.stdout.strip() + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def server_bound(phase: Phase, kdf_ms: float) -> float:
    """Reports/s the server's own CPU over the phase could complete if each cost one derivation and nothing
    else. Our rate over it is the derivation alone over the server's CPU per report: the Argon2id share."""
    return phase.cpu_seconds / phase.seconds * 1000 / kdf_ms if phase.seconds else float("nan")


def web_table(results: list[WebResult], kdf_ms: float, cores: int) -> str:
    bound = cores * 1000 / kdf_ms
    rows = [
        f"Argon2id receipt derivation here: {kdf_ms:.1f} ms of CPU, so {cores} cores bound Send at {bound:.1f} "
        "reports/s.",
        "",
        "| figure | " + " | ".join(f"{r.backend} ({r.workers} workers)" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]

    def row(label: str, values: list[str]) -> None:
        rows.append(f"| {label} | " + " | ".join(values) + " |")

    row("walk: requests/s through the form", [f"{r.walk.requests / r.walk.seconds:.0f}" for r in results])
    row("walk: completed reports/s", [f"{r.walk.reports / r.walk.seconds:.1f}" for r in results])
    row("walk: step GET p50 / p99 ms", [f"{r.walk.pct('step GET', .5):.0f} / {r.walk.pct('step GET', .99):.0f}"
                                        for r in results])
    row("walk: step POST p50 / p99 ms", [f"{r.walk.pct('step POST', .5):.0f} / {r.walk.pct('step POST', .99):.0f}"
                                         for r in results])
    row("send: completed reports/s", [f"{r.send.reports / r.send.seconds:.1f}" for r in results])
    row("send: Send p50 / p99 ms (target p99 < 300)",
        [f"{r.send.pct('Send', .5):.0f} / {r.send.pct('Send', .99):.0f}" for r in results])
    row("send: Little's law floor of the flood's mean Send, ms (32 in flight ÷ the rate)",
        [f"{CONCURRENCY * 1000 * r.send.seconds / max(1, r.send.reports):.0f}" for r in results])
    row("send: a page GET p50 / p99 during the flood, ms (target p99 < 20)",
        [f"{r.send.pct('page GET during flood', .5):.0f} / {r.send.pct('page GET during flood', .99):.0f}"
         for r in results])
    row(f"paced send ({PACED_PER_CORE} clients a core): completed reports/s",
        [f"{r.paced.reports / r.paced.seconds:.1f}" for r in results])
    row("paced send: Send p50 / p99 ms (target p99 < 300)",
        [f"{r.paced.pct('Send', .5):.0f} / {r.paced.pct('Send', .99):.0f}" for r in results])
    row("paced send: a page GET p50 / p99 meanwhile, ms",
        [f"{r.paced.pct('page GET during flood', .5):.0f} / {r.paced.pct('page GET during flood', .99):.0f}"
         for r in results])
    row("paced send ÷ Argon2id bound", [f"{r.paced.reports / r.paced.seconds / bound:.2f}" for r in results])
    row(f"send ÷ Argon2id bound on all {cores} cores, client included",
        [f"{r.send.reports / r.send.seconds / bound:.2f}" for r in results])
    # The load client runs on the same cores: the bound the server could reach is that of the CPU it got.
    # Measured over the flood's first half, Sends alone; the page reader runs in the second half only.
    solos = [r.send.solo or r.send for r in results]
    row("send flood, first half (Sends alone): cores used by the server / the load client / the whole machine",
        [f"{s.cpu_seconds / s.seconds:.2f} / {s.client_cpu_seconds / s.seconds:.2f} / "
         f"{s.machine_cpu_seconds / s.seconds:.2f}" for s in solos])
    row("Argon2id bound on the cores the server got, reports/s (its CPU s ÷ wall s ÷ the derivation)",
        [f"{server_bound(s, kdf_ms):.1f}" for s in solos])
    row("send ÷ the bound on the server's cores (target ≥ 0.9)",
        [f"{s.reports / s.seconds / server_bound(s, kdf_ms):.2f}" if s.cpu_seconds else "-" for s in solos])
    row("the same over the whole flood, the page reader's pages included (until 2026-12-05 the row above)",
        [f"{r.send.reports / r.send.seconds / server_bound(r.send, kdf_ms):.2f}" if r.send.cpu_seconds else "-"
         for r in results])
    row("ceiling: bare Litestar, validate + seal + insert, rows/s",
        [f"{r.ceiling.reports / r.ceiling.seconds:.0f}" for r in results])
    row("send ÷ ceiling", [f"{r.send.reports / r.send.seconds / (r.ceiling.reports / r.ceiling.seconds):.3f}"
                           for r in results])
    # The stack's own floor: what one bare request (HTTP, validation, one seal, one insert) costs the server. The
    # best Argon2id share any Send could reach on this stack is derivation ÷ (derivation + this).
    row("ceiling: server CPU ms per bare request (the stack's floor outside Argon2id)",
        [f"{1000 * r.ceiling.cpu_seconds / max(1, r.ceiling.reports):.2f}" for r in results])
    row("best Argon2id share on this stack: derivation ÷ (derivation + that floor)",
        [f"{kdf_ms / (kdf_ms + 1000 * r.ceiling.cpu_seconds / max(1, r.ceiling.reports)):.0%}" for r in results])
    row("server CPU ms per report (send, first half)", [f"{1000 * s.cpu_seconds / max(1, s.reports):.1f}"
                                                        for s in solos])
    # Both from the server's own /proc over the same flood: its Argon2id pool threads' CPU over all its CPU
    # (until 2026-12-04 this divided the derivation measured alone before the run by the flood's CPU: 98-103 %).
    row("Argon2id share of that CPU (the server's Argon2id threads ÷ all its CPU, same half, /proc)",
        [f"{s.kdf_cpu_seconds / s.cpu_seconds:.0%}" if s.cpu_seconds else "-" for s in solos])
    row("Argon2id CPU ms per report in the server (the derivation alone, above: "
        f"{kdf_ms:.1f})", [f"{1000 * s.kdf_cpu_seconds / max(1, s.reports):.1f}" for s in solos])
    row("server CPU ms per report outside Argon2id (send, first half)",
        [f"{1000 * (s.cpu_seconds - s.kdf_cpu_seconds) / max(1, s.reports):.1f}" for s in solos])
    row("the same over the whole flood, the page reader's pages included",
        [f"{1000 * (r.send.cpu_seconds - r.send.kdf_cpu_seconds) / max(1, r.send.reports):.1f}" for r in results])
    row("server CPU ms per report (walk, all steps)", [f"{1000 * r.walk.cpu_seconds / max(1, r.walk.reports):.0f}"
                                                       for r in results])
    row("errors (4xx/5xx) walk / send / paced / ceiling",
        [f"{r.walk.errors} / {r.send.errors} / {r.paced.errors} / {r.ceiling.errors}" for r in results])
    row("peak RSS per worker, MB (target < 200)", [", ".join(f"{m:.0f}" for m in r.rss_mb) for r in results])
    weights = results[0].weights if results else {}
    if weights:
        rows += ["", "Page weight, gzip level 6, HTML + the stylesheet (budget 30 KB a page; the walk counts "
                 "the stylesheet once a page, as no-store makes a browser fetch it):", "",
                 "| language | heaviest page, KB | the whole walk to the receipt, KB |", "|---|---|---|"]
        rows += [f"| {code} | {heaviest:.1f} | {walk:.1f} |" for code, (heaviest, walk) in weights.items()]
    return "\n".join(rows)


def run_existing(queue_cases: int, backends: list[str]) -> list[tuple[str, str]]:
    backend = "both" if len(backends) == 2 else backends[0]
    commands = [
        # CPU and commits per request, in process, one request at a time: what the load of a shared
        # machine distorts least (the Argon2id share of a Send, the walk's CPU outside Argon2id).
        *(("cpu.py", ["--backend", b, "--reports", "30", "--count-calls"]) for b in backends),
        # The SMS and voice issue's benchmark: the webhook at 50 concurrent conversations, and its bare signed
        # endpoint under the same phones; the headline pace (think 1 s), then the stress figure (think 0).
        *(("sms.py", ["--backend", b, "--conversations", "50", "--think", "1", "--think", "0", "--seconds", "15"])
          for b in backends),
        ("vault.py", ["--seconds", "1", "--mb", "10"]),
        ("triage.py", ["--seconds", "1", "--repeats", "3", "--reports", "100"]),
        ("research.py", ["--backend", backend, "--reports", "500", "--repeat", "3"]),
        ("queue.py", ["--backend", backend, "--cases", str(queue_cases), "--repeat", "5"]),
    ]
    out = []
    for script, args in commands:
        t0 = time.monotonic()
        try:
            done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True,
                                  text=True, timeout=900, check=False)
            text = done.stdout.strip() + (f"\n(exit {done.returncode}: {done.stderr.strip()[-500:]})"
                                          if done.returncode else "")
        except subprocess.TimeoutExpired:
            text = "(stopped after 900 s)"
        out.append((f"{script} {' '.join(args)} ({time.monotonic() - t0:.0f} s)", text))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each load phase")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="server worker processes (default: every core, as signalement serve)")
    parser.add_argument("--queue-cases", type=int, default=100_000,
                        help="cases for queue.py (the published target is at 1,000,000: minutes to load)")
    parser.add_argument("--skip-existing", action="store_true", help="only the web benchmarks")
    parser.add_argument("--no-append", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and pg.unavailable_reason():
        print(f"PostgreSQL skipped: {pg.unavailable_reason()}")
        backends.remove("postgres")
    started = dt.datetime.now(dt.UTC)
    header = f"{started:%Y-%m-%d %H:%M} UTC, git {git_rev()}, {machine()}"
    print(f"# make bench: {header}")
    kdf = argon2_ms()
    root = Path(tempfile.mkdtemp(prefix="signalement-bench-"))
    try:
        results = [run_web(b, args.workers, args.seconds, root) for b in backends]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    table = web_table(results, kdf, args.workers)
    print(table)
    existing = [] if args.skip_existing else run_existing(args.queue_cases, backends)
    for title, text in existing:
        print(f"\n## {title}\n{text}")
    if not args.no_append:
        blocks = "".join(f"\n`{title}`:\n\n```\n{text}\n```\n" for title, text in existing)
        with PERFORMANCE_MD.open("a") as doc:
            doc.write(f"\n### `make bench`, {header}\n\nWeb submission, concurrency {CONCURRENCY}, "
                      f"{args.seconds:.0f} s per phase (benchmarks/run.py).\n\n{table}\n{blocks}")
        print(f"\nAppended to {PERFORMANCE_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
