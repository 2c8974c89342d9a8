"""What one SMS text costs, in process, one text at a time: figures a loaded machine distorts least.

    .venv/bin/python benchmarks/sms_cpu.py --conversations 15

The real app (``create_app``, a fresh data directory, SQLite) over an in-process ASGI transport; every text is
signed with Twilio's ``RequestValidator``. After a warm-up conversation, ``--conversations`` conversations of
nine texts are sent one text at a time, twice: once under cProfile to count the Python function calls on the
event-loop thread (the client's share included; the load cannot change it) and the aiosqlite thread hops (each
a trip to a connection's thread and back through the event loop), once plain for the CPU time (process and
event-loop thread) and the wall time per text.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/queue.py would shadow the standard library's queue module (aiosqlite imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import aiosqlite.core  # noqa: E402

TOKEN = "benchmark-token-" + "5" * 16
PUBLIC = "https://tips.example.ca"
TEXTS = ("AYUDA", "1 5", "2", "ON", "Granja Norte", "No me pagan desde hace tres semanas.",
         "El jefe guarda mi pasaporte.", "1", "2")
HOPS = [0]
_execute = aiosqlite.core.Connection._execute


async def _counted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    HOPS[0] += 1
    return await _execute(self, *args, **kwargs)


aiosqlite.core.Connection._execute = _counted  # type: ignore[method-assign]


async def main(conversations: int) -> None:
    import httpx
    from twilio.request_validator import RequestValidator

    from signalement.app import create_app
    from signalement.bootstrap import initialize
    from signalement.runtime import Runtime
    from signalement.settings import load_settings

    root = Path(tempfile.mkdtemp(prefix="sig-sms-cpu-"))
    try:
        settings = load_settings({}, data_dir=str(root / "var"), database_url="", public_url=PUBLIC,
                                 twilio_auth_token=TOKEN, kdf_cost="standard")
        await initialize(settings)
        runtime = Runtime(settings)
        app = create_app(settings, runtime=runtime)
        validator = RequestValidator(TOKEN)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
            async def text(k: int, i: int, body: str) -> None:
                params = {"MessageSid": f"SM{k:016x}{i:016x}", "From": f"+14165{k:06d}", "To": "+15005550006",
                          "Body": body, "NumMedia": "0"}
                signature = validator.compute_signature(PUBLIC + "/twilio/sms", params)
                response = await client.post("/twilio/sms", data=params, headers={"x-twilio-signature": signature})
                if response.status_code != 200:
                    raise RuntimeError(f"text {i}: {response.status_code}")

            async def conversations_from(first: int) -> None:
                for k in range(first, first + conversations):
                    for i, body in enumerate(TEXTS):
                        await text(k, i, body)

            await conversations_from(999_000)  # warm-up
            count = conversations * len(TEXTS)
            HOPS[0] = 0
            profile = cProfile.Profile()
            profile.enable()
            await conversations_from(0)
            profile.disable()
            calls, hops = pstats.Stats(profile).total_calls, HOPS[0]  # type: ignore[attr-defined]
            process, thread, wall = time.process_time(), time.thread_time(), time.perf_counter()
            await conversations_from(conversations)
            print(f"# benchmarks/sms_cpu.py: {count} texts, SQLite, load average {os.getloadavg()[0]:.1f}")
            print(f"per text: {calls / count:.0f} function calls (event-loop thread, client included), "
                  f"{hops / count:.1f} aiosqlite thread hops, "
                  f"process CPU {1000 * (time.process_time() - process) / count:.2f} ms, "
                  f"event-loop thread CPU {1000 * (time.thread_time() - thread) / count:.2f} ms, "
                  f"wall {1000 * (time.perf_counter() - wall) / count:.1f} ms")
        await runtime.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=15)
    logging.disable(logging.INFO)
    asyncio.run(main(parser.parse_args().conversations))
