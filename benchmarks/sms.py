"""SMS webhook benchmark: p50 and p99 latency at 50 concurrent conversations, and the ratio to a bare signed
Litestar endpoint measured in the same run, under the same conversations.

    .venv/bin/python benchmarks/sms.py                          # SQLite: think 1.0 s (headline), then think 0
    .venv/bin/python benchmarks/sms.py --backend postgres --think 1.0 --seconds 30

Like ``benchmarks/run.py`` for the web: a fresh ``signalement init`` data directory (real migrations and
keys, the standard Argon2id cost), a real ``signalement serve`` (uvicorn, every core as workers by default)
and, beside it, ``benchmarks/sms_bare.py`` under uvicorn with the same worker count and options: a Litestar
endpoint that checks the same Twilio signature with the same code and answers an empty TwiML. The load comes
from this process over 127.0.0.1 (httpx, one connection per phone), each phase is bounded by ``--seconds``,
and both servers are stopped by PID.

A **conversation** is one phone texting a whole report: language keyword, categories, danger, province,
employer, two story texts, done, contact (the nine *conversation texts*), then the *confirming text*, which
files the report (Argon2id for the receipt, the case's commit) and is timed apart. Each of ``--conversations``
phones texts one conversation after another (a new number each time) until the phase ends. Before each text
a phone waits a random 0.5 T to 1.5 T (``--think T``, mean T): the time to read the reply and type. The
headline is T = 1 s, already fast for people typing on a phone; T = 0 (every phone flat out, 50 requests in
flight at all times) is the stress figure: there Little's law binds the latency to the throughput
(p50 >= 50 / texts per second), so it is printed with its throughput. Every text is signed with Twilio's
``RequestValidator`` and the servers check it. Latency runs from sending the request to the last byte of the
TwiML, as Twilio sees it. The bare endpoint gets the same phones, the same texts and the same pace, in the same
run, right after: the ratio is what the conversation costs over the webhook plumbing of the same machine.

The confirming text takes a receipt derived ahead when one is ready (``SIGNALEMENT_RECEIPT_RESERVE``, decision
18; ``--receipt-reserve 0`` turns it off, to measure the text with its Argon2id inline). Those derivations run in
the server's Argon2id threads while they are idle and their CPU is in the server CPU measured over the phase; only
the receipts a worker derived before a phase (at most the reserve's size each) are not, and the stress phase
prints that bound next to its reports per second.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# benchmarks/queue.py would shadow the standard library's queue module: this folder goes last on the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.append(str(BENCH))

import run as web  # noqa: E402  (Server, free_port, base_env, git_rev: the web benchmark's own harness)

from support import pg  # noqa: E402

TARGET_P99_MS = 50.0
TOKEN = "benchmark-token-" + "5" * 16
TEXTS = ("AYUDA", "1 5", "2", "ON", "Granja Norte", "No me pagan desde hace tres semanas.",
         "El jefe guarda mi pasaporte.", "1", "2")
CONFIRM = "1"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Phase:
    texts: list[float] = field(default_factory=list)
    confirms: list[float] = field(default_factory=list)
    by_step: dict[int, list[float]] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.texts) + len(self.confirms)

    def line(self, label: str, values: list[float]) -> str:
        return (f"{label}: n={len(values)} p50={percentile(values, 50):.1f} ms p99={percentile(values, 99):.1f} ms "
                f"mean={statistics.fmean(values) if values else float('nan'):.1f} ms")


async def phase(base_url: str, phones: int, think: float, seconds: float, server: web.Server, run_id: int,
                confirm: bool = True) -> Phase:
    """``phones`` phones texting conversations to ``base_url`` for ``seconds``, each waiting ~``think`` s."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    url = base_url + "/twilio/sms"
    out = Phase()
    # Clients are made before the clock starts (making one loads a TLS context: not the server's time).
    clients = [httpx.AsyncClient(base_url=base_url, timeout=30,
                                 limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
               for _ in range(phones)]
    end = time.monotonic() + seconds

    async def text(client: httpx.AsyncClient, sid: str, number: str, body: str, step: int) -> None:
        params = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": number, "To": "+15005550006",
                  "Body": body, "NumMedia": "0"}
        headers = {"x-twilio-signature": validator.compute_signature(url, params)}
        started = time.perf_counter()
        response = await client.post("/twilio/sms", data=params, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or "<Response" not in response.text:
            out.errors += 1
        else:
            (out.confirms if step == len(TEXTS) else out.texts).append(elapsed)
            out.by_step.setdefault(step, []).append(elapsed)

    async def phone(n: int) -> None:
        pause = random.Random(run_id * 1000 + n)
        async with clients[n] as client:
            if think:  # phones do not all start at the same instant
                await asyncio.sleep(pause.uniform(0, think))
            k = 0
            while time.monotonic() < end:
                number = f"+1416{n:03d}{k:04d}"
                steps = [*TEXTS, CONFIRM] if confirm else list(TEXTS)
                for i, body in enumerate(steps):
                    if think:
                        await asyncio.sleep(pause.uniform(0.5 * think, 1.5 * think))
                    if time.monotonic() >= end:
                        return
                    sid = f"SM{run_id:08x}{n:08x}{k:08x}{i:08x}"
                    await text(client, sid, number, body, i)
                k += 1

    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(phone(n) for n in range(phones)))
    out.seconds, out.cpu_seconds = time.perf_counter() - t0, server.cpu_seconds() - cpu0
    return out


def start_servers(backend: str, workers: int, root: Path,
                  reserve: int) -> tuple[web.Server, web.Server, str | None]:
    database = pg.create_database("sig_bench_sms") if backend == "postgres" else None
    url = pg.sqlalchemy_url(database) if database else ""
    env = web.base_env(root / "var", url)
    env["SIGNALEMENT_TWILIO_AUTH_TOKEN"] = TOKEN
    env["SIGNALEMENT_RECEIPT_RESERVE"] = str(reserve)
    subprocess.run([sys.executable, "-m", "signalement", "init"], env=env, check=True, stdout=subprocess.DEVNULL,
                   timeout=120)
    port = web.free_port()
    env["SIGNALEMENT_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    app = web.Server([sys.executable, "-m", "signalement", "serve", "--port", str(port), "--workers", str(workers)],
                     env, port, "/healthz", root / "serve.log")
    try:
        bare_port = web.free_port()
        app_dir = root / "bare-app"  # a folder of its own (the benchmarks folder would shadow the queue module)
        app_dir.mkdir(exist_ok=True)
        shutil.copy(BENCH / "sms_bare.py", app_dir / "sms_bare.py")
        bare_env = {**env, "SIGNALEMENT_PUBLIC_URL": f"http://127.0.0.1:{bare_port}"}
        # The options signalement serve gives uvicorn (cli.cmd_serve): no access log, no server header.
        bare = web.Server([sys.executable, "-m", "uvicorn", "sms_bare:create_app", "--factory", "--app-dir",
                           str(app_dir), "--host", "127.0.0.1", "--port", str(bare_port), "--workers", str(workers),
                           "--no-access-log", "--no-server-header", "--log-level", "warning",
                           "--timeout-graceful-shutdown", "10"], bare_env, bare_port, "/healthz",
                          root / "bare.log")
    except BaseException:
        app.stop()
        raise
    return app, bare, database


def report(think: float, backend: str, phones: int, ours: Phase, bare: Phase, ahead: int) -> list[str]:
    """``ahead``: receipts the server's workers may have derived before the phase (the reserve, full)."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    texts_s = ours.count / ours.seconds
    lines = [
        f"## think {think:g} s ({'stress: every phone flat out' if not think else 'headline'}), {phones} phones, "
        f"{ours.seconds:.0f} s, load average {load}",
        ours.line("conversation texts", ours.texts),
        ours.line("confirm (files the report, Argon2id standard)", ours.confirms),
        ours.line("all texts", ours.texts + ours.confirms),
        bare.line("bare signed endpoint", bare.texts),
        f"ratio to bare (conversation texts): p50 x{percentile(ours.texts, 50) / percentile(bare.texts, 50):.1f}, "
        f"p99 x{percentile(ours.texts, 99) / percentile(bare.texts, 99):.1f}",
        f"throughput: {texts_s:.1f} texts/s ({len(ours.confirms) / ours.seconds:.2f} reports/s); bare "
        f"{bare.count / bare.seconds:.1f} texts/s; errors {ours.errors} / bare {bare.errors}",
        "p99 by step (ms): " + ", ".join(f"{(TEXTS + (CONFIRM,))[i]!r:.8} {percentile(v, 99):.0f}"
                                         for i, v in sorted(ours.by_step.items())),
        f"server CPU per text: {1000 * ours.cpu_seconds / max(1, ours.count):.2f} ms (all texts, confirms "
        f"included); bare {1000 * bare.cpu_seconds / max(1, bare.count):.2f} ms",
    ]
    if think:
        met = percentile(ours.texts, 99) < TARGET_P99_MS
        lines.append(f"target p99 < {TARGET_P99_MS:.0f} ms for conversation texts: {'met' if met else 'NOT met'}"
                     f" (all texts p99 {percentile(ours.texts + ours.confirms, 99):.1f} ms)")
    else:
        bound = 1000 * phones / texts_s
        lines.append(f"Little's law: {phones} in flight / {texts_s:.1f} texts/s = {bound:.0f} ms mean latency "
                     "(not judged against the target: at think 0 latency is throughput)")
        if ahead:
            kept = max(0, len(ours.confirms) - ahead)
            lines.append(f"receipts derived before the phase (reserve, not in its CPU): at most {ahead} of "
                         f"{len(ours.confirms)} reports; without them {kept / ours.seconds:.2f} reports/s")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50, help="phones texting at once")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--think", type=float, action="append",
                        help="mean seconds a phone waits before each text; repeat for several phases "
                             "(default: 1.0 then 0)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--no-confirm", action="store_true",
                        help="conversations stop before the confirming text (no report filed: isolates the steps)")
    parser.add_argument("--receipt-reserve", type=int, default=8,
                        help="SIGNALEMENT_RECEIPT_RESERVE for the server (receipts derived ahead a worker; 0: off)")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="uvicorn workers for both servers (default: every core, as signalement serve)")
    args = parser.parse_args()
    thinks = args.think if args.think else [1.0, 0.0]
    if args.backend == "postgres" and pg.unavailable_reason():
        print(f"PostgreSQL skipped: {pg.unavailable_reason()}")
        return 0
    print(f"# SMS webhook: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, git {web.git_rev()}, {args.backend}, "
          f"{args.workers} uvicorn workers each, {args.conversations} phones, "
          f"{len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, "
          f"receipt reserve {args.receipt_reserve} a worker, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    root = Path(tempfile.mkdtemp(prefix="sig-sms-bench-"))
    database = None
    app = bare = None
    try:
        app, bare, database = start_servers(args.backend, args.workers, root, args.receipt_reserve)
        # Warm-up, untimed: every worker loads its catalogues and templates and opens its connections.
        asyncio.run(phase(app.base_url, 2 * args.workers, 0.0, 2.0, app, run_id=0))
        asyncio.run(phase(bare.base_url, 2 * args.workers, 0.0, 1.0, bare, run_id=0))
        for n, think in enumerate(thinks, start=1):
            ours = asyncio.run(phase(app.base_url, args.conversations, think, args.seconds, app, run_id=n,
                                     confirm=not args.no_confirm))
            plain = asyncio.run(phase(bare.base_url, args.conversations, think, args.seconds, bare, run_id=n,
                                      confirm=not args.no_confirm))
            print("\n".join(report(think, args.backend, args.conversations, ours, plain,
                                    args.receipt_reserve * args.workers)), flush=True)
    finally:
        for server in (app, bare):
            if server is not None:
                server.stop()
        if database:
            pg.drop_database(database)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
