"""``kill -9`` on the outbox worker in the middle of a job: the job runs again, and its effect happens once.

A real ``signalement worker`` process sends a queued text to a local provider of ours. The provider
accepts the text (the effect), then holds its answer; the test kills the worker's process group with
SIGKILL while it waits, so the job is never marked done. Once its lease has run out (moved into the past
rather than waited for), a new worker claims the job and sends again. The provider honours the
``Idempotency-Key`` header the worker sends: the second request gets the first answer, and one text
exists. Without the key, the provider would hold two texts, which is what this test would catch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select, update

from signalement.db.models import OutboxJob, utcnow
from signalement.notify import SmsJob, queue_sms
from support.live import settings_env
from support.twilio_peers import ACCOUNT_SID

pytestmark = [pytest.mark.both_databases, pytest.mark.timeout(60)]


class IdempotentProvider:
    """An SMS provider on 127.0.0.1 that keeps one text per idempotency key and can hold its first answer."""

    def __init__(self) -> None:
        self.requests: list[str | None] = []  # the idempotency key of every POST, in order
        self.texts: dict[str, dict[str, str]] = {}  # key -> the text it created (the effect)
        self.received = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["content-length"]))
                                                     .decode()).items()}
                key = self.headers.get("idempotency-key")
                outer.requests.append(key)
                first = key not in outer.texts
                if first:
                    outer.texts[key or f"none-{len(outer.requests)}"] = form
                sid = f"SM{list(outer.texts).index(key) if key in outer.texts else len(outer.texts):032d}"
                if len(outer.requests) == 1:
                    outer.received.set()
                    outer.release.wait(timeout=30)  # the worker dies while it waits for this answer
                try:
                    self.send_response(201)
                    self.send_header("content-type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps({"sid": sid, "status": "queued", "to": form.get("To")}).encode())
                except OSError:
                    pass  # the worker is gone

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider() -> Iterator[IdempotentProvider]:
    peer = IdempotentProvider()
    try:
        yield peer
    finally:
        peer.close()


def start_worker(stack: Any, provider: IdempotentProvider, log: Path) -> subprocess.Popen[bytes]:
    env = settings_env(stack.settings)
    env.update({
        "SIGNALEMENT_TWILIO_API_BASE": provider.base_url, "SIGNALEMENT_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "SIGNALEMENT_TWILIO_AUTH_TOKEN": "test-token", "SIGNALEMENT_TWILIO_FROM_NUMBER": "+15005550006",
        "SIGNALEMENT_WORKER_POLL_SECONDS": "0.1",
    })
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "signalement", "worker"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    process.wait(timeout=15)


async def _job(stack: Any) -> OutboxJob:
    async with stack.runtime.db.reading() as s:
        return (await s.execute(select(OutboxJob).where(OutboxJob.kind == "sms.send"))).scalar_one()


async def test_a_job_killed_mid_send_runs_again_and_texts_once(
    stack: Any, provider: IdempotentProvider, tmp_path: Path
) -> None:
    async with stack.runtime.db.writing() as s:
        await queue_sms(s, stack.runtime.public_keys.worker, SmsJob(to="+15145550123", language="fr"), ref="m1")
        await s.commit()

    first = start_worker(stack, provider, tmp_path / "worker.log")
    try:
        assert provider.received.wait(timeout=30), (tmp_path / "worker.log").read_text()[-2000:]
        stop(first, signal.SIGKILL)  # mid-job: the provider has the text, the job is not marked done
    finally:
        stop(first, signal.SIGKILL)
    provider.release.set()
    job = await _job(stack)
    assert (job.status, job.attempts) == ("pending", 1) and job.locked_until is not None

    async with stack.runtime.db.writing() as s:  # the lease runs out (time travel instead of waiting 5 min)
        await s.execute(update(OutboxJob).where(OutboxJob.id == job.id)
                        .values(locked_until=utcnow() - dt.timedelta(seconds=1)))
        await s.commit()
    second = start_worker(stack, provider, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 30
        while (job := await _job(stack)).status != "done":
            assert time.monotonic() < deadline, (job.status, (tmp_path / "worker.log").read_text()[-2000:])
            assert second.poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
            await asyncio.sleep(0.1)
    finally:
        stop(second)

    assert job.attempts == 2 and job.payload == b""
    assert len(provider.requests) == 2 and provider.requests[0] == provider.requests[1] is not None
    assert len(provider.texts) == 1, provider.texts  # the effect happened once
    assert next(iter(provider.texts.values()))["To"] == "+15145550123"
