"""What one SMS text costs, in process, one text at a time: figures a loaded machine distorts least.

    .venv/bin/python benchmarks/sms_cpu.py --conversations 15
    .venv/bin/python benchmarks/sms_cpu.py --backend postgres --conversations 15

The real app (``create_app``, a fresh data directory, SQLite or a fresh PostgreSQL database) over an
in-process ASGI transport; every text is signed with Twilio's ``RequestValidator``. After a warm-up
conversation, ``--conversations`` conversations of nine texts and the confirming text (which files the report)
are sent one text at a time, twice: once under cProfile to count the Python function calls on the event-loop
thread (the client's share included; the load cannot change it) and the database round trips
(``tests/support/roundtrips.py``: on PostgreSQL each exchange with the server, on SQLite each trip to a
connection's thread), once plain for the CPU time (process and event-loop thread), the wall time per text and
the garbage collector's pauses. Conversation texts and confirming texts are printed apart.

The receipt reserve (decision 18) is started as a served worker starts it (``--receipt-reserve``, default the
setting's 8; 0: every confirming text derives its receipt inline), and each measured pass begins with it full.
Its refills run on the Argon2id thread while the next texts are sent: their CPU is in the process CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import logging
import os
import pstats
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# benchmarks/queue.py would shadow the standard library's queue module (aiosqlite imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent / "tests"))

from support import pg, roundtrips  # noqa: E402

TOKEN = "benchmark-token-" + "5" * 16
PUBLIC = "https://tips.example.ca"
TEXTS = ("AYUDA", "1 5", "2", "ON", "Granja Norte", "No me pagan desde hace tres semanas.",
         "El jefe guarda mi pasaporte.", "1", "2", "1")  # the last one confirms: it files the report
CONFIRM = len(TEXTS) - 1


@dataclass
class Tally:
    """Per kind of text (0: conversation texts, 1: confirming texts)."""

    texts: list[int] = field(default_factory=lambda: [0, 0])
    trips: list[int] = field(default_factory=lambda: [0, 0])
    cpu: list[float] = field(default_factory=lambda: [0.0, 0.0])
    thread: list[float] = field(default_factory=lambda: [0.0, 0.0])
    wall: list[float] = field(default_factory=lambda: [0.0, 0.0])


class GcPauses:
    """The collector's pauses on this thread (``gc.callbacks``): how many, the longest, how many over 5 ms."""

    def __init__(self) -> None:
        self.count = self.over_5ms = 0
        self.longest = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        self.count += 1
        self.longest = max(self.longest, pause)
        self.over_5ms += pause > 0.005


async def main(conversations: int, backend: str, reserve: int) -> None:
    import httpx
    from twilio.request_validator import RequestValidator

    from signalement.app import create_app
    from signalement.bootstrap import initialize
    from signalement.receipts import new_receipt
    from signalement.runtime import Runtime
    from signalement.settings import load_settings

    counts = roundtrips.install()
    root = Path(tempfile.mkdtemp(prefix="sig-sms-cpu-"))
    database = pg.create_database("sig_bench_sms_cpu") if backend == "postgres" else None
    try:
        settings = load_settings({}, data_dir=str(root / "var"),
                                 database_url=pg.sqlalchemy_url(database) if database else "", public_url=PUBLIC,
                                 twilio_auth_token=TOKEN, kdf_cost="standard", receipt_reserve=reserve)
        await initialize(settings)
        runtime = Runtime(settings)
        app = create_app(settings, runtime=runtime)
        validator = RequestValidator(TOKEN)
        runtime.start_receipt_reserve(new_receipt)  # what the app's startup hook does (no lifespan here)

        async def reserve_full() -> None:
            deadline = time.monotonic() + 60
            while len(runtime.receipt_reserve) < reserve and time.monotonic() < deadline:  # noqa: ASYNC110 - polled
                await asyncio.sleep(0.01)

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
            async def text(k: int, i: int, body: str) -> None:
                params = {"MessageSid": f"SM{k:016x}{i:016x}", "From": f"+14165{k:06d}", "To": "+15005550006",
                          "Body": body, "NumMedia": "0"}
                signature = validator.compute_signature(PUBLIC + "/twilio/sms", params)
                response = await client.post("/twilio/sms", data=params, headers={"x-twilio-signature": signature})
                if response.status_code != 200 or ("Message" not in response.text and i):
                    raise RuntimeError(f"text {i}: {response.status_code} {response.text[:200]}")

            async def conversations_from(first: int, tally: Tally | None = None) -> None:
                for k in range(first, first + conversations):
                    for i, body in enumerate(TEXTS):
                        kind = int(i == CONFIRM)
                        trips, cpu, thread, wall = (counts.total(), time.process_time(), time.thread_time(),
                                                    time.perf_counter())
                        await text(k, i, body)
                        if tally is not None:
                            tally.texts[kind] += 1
                            tally.trips[kind] += counts.total() - trips
                            tally.cpu[kind] += time.process_time() - cpu
                            tally.thread[kind] += time.thread_time() - thread
                            tally.wall[kind] += time.perf_counter() - wall

            await conversations_from(999_000)  # warm-up
            await conversations_from(998_000)
            await reserve_full()
            profiled = Tally()
            profile = cProfile.Profile()
            profile.enable()
            await conversations_from(0, profiled)
            profile.disable()
            calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
            await reserve_full()
            plain, pauses = Tally(), GcPauses()
            gc.callbacks.append(pauses)
            await conversations_from(conversations, plain)
            gc.callbacks.remove(pauses)
            print(f"# benchmarks/sms_cpu.py: {sum(plain.texts)} texts ({conversations} conversations), {backend}, "
                  f"receipt reserve {reserve}, load average {os.getloadavg()[0]:.1f}")
            print(f"function calls a text (event-loop thread, client included, all texts): "
                  f"{calls / sum(profiled.texts):.0f}")
            for kind, label in ((0, "conversation text"), (1, "confirming text")):
                n = plain.texts[kind]
                print(f"{label}: {profiled.trips[kind] / profiled.texts[kind]:.1f} database round trips, "
                      f"process CPU {1000 * plain.cpu[kind] / n:.2f} ms, "
                      f"event-loop thread CPU {1000 * plain.thread[kind] / n:.2f} ms, "
                      f"wall {1000 * plain.wall[kind] / n:.1f} ms")
            print(f"GC pauses: {pauses.count} collections, longest {1000 * pauses.longest:.1f} ms, "
                  f"{pauses.over_5ms} over 5 ms")
        await runtime.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if database:
            pg.drop_database(database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=15)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--receipt-reserve", type=int, default=8, help="receipts derived ahead (0: off)")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    if args.backend == "postgres" and pg.unavailable_reason():
        print(f"PostgreSQL skipped: {pg.unavailable_reason()}")
        raise SystemExit(0)
    asyncio.run(main(args.conversations, args.backend, args.receipt_reserve))
