"""Two ``signalement serve`` worker processes behave as one service: one rate limit, one officer session.

There is no Redis here: the embedded default must share them itself (files under ``$DATA_DIR/stores``).
To know which worker answers, the test freezes the other one (``SIGSTOP``): a stopped process cannot
accept, so every new connection goes to the running one. The limit is then counted half on one worker
and half on the other, and a session made on one is used on the other. With per-process memory stores
each worker would see only its own half, which is what these tests would catch.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.live import LiveServer, served_worker_pids, start_server
from support.officers import create_officer, sign_in

pytestmark = pytest.mark.timeout(60)

LIMIT = 6


@contextmanager
def only(running: int, frozen: int) -> Iterator[None]:
    """Freeze one worker so that the other answers every new connection (kept short: uvicorn's health
    check restarts a worker that does not answer for 5 s)."""
    os.kill(frozen, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(frozen, signal.SIGCONT)


def fresh_client(base_url: str, **kwargs: Any) -> httpx.AsyncClient:
    # No keep-alive: every request is a new connection, accepted by whichever worker is running.
    return httpx.AsyncClient(base_url=base_url, timeout=10, limits=httpx.Limits(max_keepalive_connections=0),
                             **kwargs)


async def get_status(client: httpx.AsyncClient, path: str, patience: float = 10.0) -> int:
    """One request, retried only while the worker that must answer is still starting (refused/reset)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return (await client.get(path, follow_redirects=False)).status_code
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise


@pytest.fixture
def two_workers(stack: Any, tmp_path: Path) -> Iterator[tuple[LiveServer, list[int]]]:
    server = start_server(stack.settings, tmp_path / "server.log", workers=2,
                          extra_env={"SIGNALEMENT_RATE_LIMIT_PER_MINUTE": str(LIMIT)})
    try:
        yield server, served_worker_pids(server, 2)
    finally:
        server.stop()


async def test_two_workers_count_one_rate_limit(two_workers: tuple[LiveServer, list[int]], stack: Any) -> None:
    server, (a, b) = two_workers
    statuses = []
    async with fresh_client(server.base_url) as client:
        with only(running=a, frozen=b):
            for _ in range(LIMIT // 2):
                statuses.append(await get_status(client, "/en/report"))
        with only(running=b, frozen=a):
            for _ in range(LIMIT - LIMIT // 2 + 1):
                statuses.append(await get_status(client, "/en/report"))
    assert statuses == [200] * LIMIT + [429], statuses
    assert (Path(stack.settings.data_dir) / "stores" / "rate_limit").is_dir()
    assert "Traceback" not in server.logs()
    assert_no_trace_in_stores(stack, [b"127.0.0.1"])  # the shared store holds pseudonyms, not addresses


def assert_no_trace_in_stores(stack: Any, secrets: list[bytes]) -> None:
    """No file of the shared store holds any of ``secrets`` in clear, hex or base64."""
    import base64

    files = [f for f in (Path(stack.settings.data_dir) / "stores").rglob("*") if f.is_file()]
    assert files, "the shared store wrote nothing"
    forms = [form for s in secrets for form in (s, s.hex().encode(), base64.b64encode(s)[:-2])]
    leaks = [(f.name, form) for f in files for form in forms if form in f.read_bytes()]
    assert not leaks, leaks


async def test_an_officer_signed_in_on_one_worker_is_signed_in_on_the_other(
    two_workers: tuple[LiveServer, list[int]], stack: Any
) -> None:
    server, (a, b) = two_workers
    officer = await create_officer(stack.runtime, stack.admin, "officer")
    async with fresh_client(server.base_url) as client:
        with only(running=a, frozen=b):
            await sign_in(client, stack.runtime, officer)
            assert await get_status(client, "/officer/account") == 200
        with only(running=b, frozen=a):
            assert await get_status(client, "/officer/account") == 200  # the session is found by the other worker
    assert_no_trace_in_stores(stack, [officer.username.encode(), officer.password.encode()])
    with only(running=b, frozen=a):
        async with fresh_client(server.base_url) as stranger:
            assert await get_status(stranger, "/officer/account") in (302, 303, 401)  # not open to everyone


def test_serve_uses_every_core_unless_told_otherwise() -> None:
    from signalement.settings import load_settings

    assert load_settings({}).serve_workers == len(os.sched_getaffinity(0))
    assert load_settings({"SIGNALEMENT_WEB_WORKERS": "3"}).serve_workers == 3
    assert load_settings({}, web_workers=1).serve_workers == 1  # what ``serve --workers 1`` passes
