"""SMS webhook benchmark: p50 and p99 latency at 50 concurrent conversations, and the ratio to a bare
signed Litestar endpoint measured in the same run.

    .venv/bin/python benchmarks/sms.py                          # SQLite, 50 conversations, back to back
    .venv/bin/python benchmarks/sms.py --think 1.0              # each phone waits ~1 s before its next text
    .venv/bin/python benchmarks/sms.py --conversations 50 --backend postgres

A fresh data directory is initialised (real migrations, keys). Each conversation texts a whole report
(language keyword, categories, danger, province, employer, two story texts, done, contact: nine texts), all
conversations at once, through the real app in-process (ASGI): every text is signed with Twilio's
``RequestValidator`` and checked by the app. "Server time" runs from the request entering the app to the
last byte of the TwiML. The confirming text (which files the report: Argon2id for the receipt at the
``standard`` cost, then the commit) is timed separately. The bare endpoint verifies the same signature and
returns an empty TwiML, so the ratio is what the conversation itself costs over webhook plumbing.

``--think 0`` (the default) sends each phone's next text as soon as the reply arrives: 50 phones texting
flat out, a stress test. ``--think S`` waits a random 0.5 S to 1.5 S first, closer to people typing.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, post

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

TARGET_P99_MS = 50.0
TOKEN = "benchmark-token-" + "5" * 16
PUBLIC = "https://tips.example.ca"
TEXTS = ("AYUDA", "1 5", "2", "ON", "Granja Norte", "No me pagan desde hace tres semanas.",
         "El jefe guarda mi pasaporte.", "1", "2")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def post_signed(client, path: str, params: dict[str, str]) -> float:  # noqa: ANN001
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
    started = time.perf_counter()
    response = await client.post(path, data=params, headers={"x-twilio-signature": signature})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code}")
    return elapsed


def bare_app() -> Litestar:
    from signalement.channels.signature import verified_form
    from signalement.settings import load_settings

    settings = load_settings({}, public_url=PUBLIC, twilio_auth_token=TOKEN)

    @post("/twilio/bare", status_code=200)
    async def bare(request: Request[Any, Any, Any]) -> Response[str]:
        await verified_form(request, settings)
        return Response('<?xml version="1.0" encoding="UTF-8"?><Response />', media_type="application/xml")

    return Litestar([bare])


async def run(conversations: int, database_url: str, think: float = 0.0) -> dict[str, object]:
    import httpx

    from signalement.app import create_app
    from signalement.bootstrap import initialize
    from signalement.runtime import Runtime
    from signalement.settings import load_settings

    root = Path(tempfile.mkdtemp(prefix="sig-sms-bench-"))
    try:
        settings = load_settings({}, data_dir=str(root / "var"), database_url=database_url, public_url=PUBLIC,
                                 twilio_auth_token=TOKEN, kdf_cost="standard")
        await initialize(settings)
        runtime = Runtime(settings)
        app = create_app(settings, runtime=runtime)
        transport = httpx.ASGITransport(app=app)
        steps: list[float] = []
        confirms: list[float] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            async def conversation(n: int) -> None:
                number = f"+1416555{n:04d}"
                pause = random.Random(n)
                for i, body in enumerate(TEXTS):
                    if think:
                        await asyncio.sleep(pause.uniform(0.5 * think, 1.5 * think))
                    params = {"MessageSid": f"SM{n:016x}{i:016x}", "From": number, "To": "+15005550006",
                              "Body": body, "NumMedia": "0"}
                    steps.append(await post_signed(client, "/twilio/sms", params))
                params = {"MessageSid": f"SM{n:016x}{99:016x}", "From": number, "To": "+15005550006",
                          "Body": "1", "NumMedia": "0"}
                confirms.append(await post_signed(client, "/twilio/sms", params))

            for i, body in enumerate(TEXTS):  # warm up: catalogues, templates, connections
                await post_signed(client, "/twilio/sms", {"MessageSid": f"SM{'f' * 16}{i:016x}", "From": "+14165559999",
                                                          "To": "+15005550006", "Body": body, "NumMedia": "0"})
            started = time.perf_counter()
            await asyncio.gather(*(conversation(n) for n in range(conversations)))
            wall = time.perf_counter() - started
        await runtime.close()

        bare: list[float] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_app()), base_url="http://app") as client:
            async def bare_conversation(n: int) -> None:
                for i, body in enumerate(TEXTS):
                    params = {"MessageSid": f"SM{n:016x}{i:016x}", "From": f"+1416555{n:04d}", "Body": body}
                    bare.append(await post_signed(client, "/twilio/bare", params))

            await asyncio.gather(*(bare_conversation(n) for n in range(conversations)))
        return {"steps": steps, "confirms": confirms, "bare": bare, "wall": wall}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a phone waits between texts")
    args = parser.parse_args()
    url = ""
    database = None
    if args.backend == "postgres":
        from support import pg

        database = pg.create_database("sig_bench_sms")
        url = pg.sqlalchemy_url(database)
    try:
        result = asyncio.run(run(args.conversations, url, args.think))
    finally:
        if database:
            from support import pg

            pg.drop_database(database)
    steps, confirms, bare = result["steps"], result["confirms"], result["bare"]
    assert isinstance(steps, list) and isinstance(confirms, list) and isinstance(bare, list)
    print(f"# SMS webhook, {args.conversations} concurrent conversations, think {args.think} s, {args.backend}, "
          f"Python {platform.python_version()}, {platform.machine()}")
    print(f"conversation texts: n={len(steps)} p50={percentile(steps, 50):.1f} ms "
          f"p99={percentile(steps, 99):.1f} ms mean={statistics.fmean(steps):.1f} ms")
    print(f"confirm (files the report, Argon2id standard): n={len(confirms)} p50={percentile(confirms, 50):.1f} ms "
          f"p99={percentile(confirms, 99):.1f} ms")
    print(f"bare signed endpoint: n={len(bare)} p50={percentile(bare, 50):.1f} ms p99={percentile(bare, 99):.1f} ms")
    print(f"ratio to bare: p50 x{percentile(steps, 50) / percentile(bare, 50):.1f}, "
          f"p99 x{percentile(steps, 99) / percentile(bare, 99):.1f}")
    print(f"target p99 < {TARGET_P99_MS:.0f} ms for conversation texts: "
          f"{'met' if percentile(steps, 99) < TARGET_P99_MS else 'NOT met'}")
    print(f"wall time for all conversations: {result['wall']:.1f} s")


if __name__ == "__main__":
    import logging

    logging.disable(logging.INFO)
    main()
