"""Two ``signalement serve`` worker processes behave as one service: one rate limit, one officer session.

There is no Redis here: the embedded default must share them itself (files under ``$DATA_DIR/stores``).
To know which worker answers, the test freezes the other one (``SIGSTOP``): a stopped process cannot
accept, so every new connection goes to the running one. The limit is then counted half on one worker
and half on the other, and a session made on one is used on the other. With per-process memory stores
each worker would see only its own half, which is what these tests would catch.

Both tests use one two-worker server (starting one, three Python processes importing the app, is most of
these tests' time). So that one test's count cannot spend the other's limit, the server trusts 127.0.0.1 as
a proxy (``SIGNALEMENT_TRUSTED_PROXIES``) and each test names its own client in ``X-Forwarded-For``: the
limit is counted per client address exactly as for a direct connection, only the address comes from the
header (the rate-limit test checks that another address still gets through).
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
import msgspec
import pytest

from signalement.runtime import Runtime
from signalement.settings import Settings
from support.live import LiveServer, served_worker_pids, start_server
from support.officers import create_officer, sign_in
from support.stack import Template, clone

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


def fresh_client(base_url: str, address: str) -> httpx.AsyncClient:
    """A client the server knows as ``address`` (named in ``X-Forwarded-For``: the server trusts 127.0.0.1)."""
    # No keep-alive: every request is a new connection, accepted by whichever worker is running.
    return httpx.AsyncClient(base_url=base_url, timeout=10, limits=httpx.Limits(max_keepalive_connections=0),
                             headers={"x-forwarded-for": address})


async def get_status(client: httpx.AsyncClient, path: str, patience: float = 10.0) -> int:
    """One request, retried only while the worker that must answer is still starting (refused/reset)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return (await client.get(path, follow_redirects=False)).status_code
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise


class TwoWorkers(msgspec.Struct, kw_only=True):
    server: LiveServer
    workers: list[int]
    settings: Settings
    admin: Any


@pytest.fixture(scope="module")
def two_workers(templates: dict[str, Template], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoWorkers]:
    """One two-worker server on a copy of the SQLite template for the module's tests."""
    root = tmp_path_factory.mktemp("two-workers")
    settings, _database = clone(templates["sqlite"], root)
    server = start_server(settings, root / "server.log", workers=2,
                          extra_env={"SIGNALEMENT_RATE_LIMIT_PER_MINUTE": str(LIMIT),
                                     "SIGNALEMENT_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        yield TwoWorkers(server=server, workers=served_worker_pids(server, 2), settings=settings,
                         admin=templates["sqlite"].admin)
    finally:
        server.stop()


async def test_two_workers_count_one_rate_limit(two_workers: TwoWorkers) -> None:
    server, (a, b) = two_workers.server, two_workers.workers
    statuses = []
    async with fresh_client(server.base_url, "198.51.100.7") as client:
        with only(running=a, frozen=b):
            for _ in range(LIMIT // 2):
                statuses.append(await get_status(client, "/en/report"))
        with only(running=b, frozen=a):
            for _ in range(LIMIT - LIMIT // 2 + 1):
                statuses.append(await get_status(client, "/en/report"))
    assert statuses == [200] * LIMIT + [429], statuses
    # The count is per client: another address is not refused (and the header is what names the client).
    async with fresh_client(server.base_url, "198.51.100.8") as other:
        assert await get_status(other, "/en/report") == 200
    assert (Path(two_workers.settings.data_dir) / "stores" / "rate_limit").is_dir()
    assert "Traceback" not in server.logs()
    # The shared store holds pseudonyms, not addresses.
    assert_no_trace_in_stores(two_workers.settings, [b"198.51.100.7", b"198.51.100.8", b"127.0.0.1"])


def assert_no_trace_in_stores(settings: Settings, secrets: list[bytes]) -> None:
    """No file of the shared store holds any of ``secrets`` in clear, hex or base64."""
    import base64

    files = [f for f in (Path(settings.data_dir) / "stores").rglob("*") if f.is_file()]
    assert files, "the shared store wrote nothing"
    forms = [form for s in secrets for form in (s, s.hex().encode(), base64.b64encode(s)[:-2])]
    leaks = [(f.name, form) for f in files for form in forms if form in f.read_bytes()]
    assert not leaks, leaks


async def test_an_officer_signed_in_on_one_worker_is_signed_in_on_the_other(two_workers: TwoWorkers) -> None:
    server, (a, b) = two_workers.server, two_workers.workers
    runtime = Runtime(two_workers.settings)  # the operator's own connection, on this test's event loop
    try:
        officer = await create_officer(runtime, two_workers.admin, "officer")
        async with fresh_client(server.base_url, "198.51.100.20") as client:
            with only(running=a, frozen=b):
                await sign_in(client, runtime, officer)
                assert await get_status(client, "/officer/account") == 200
            with only(running=b, frozen=a):
                # the session is found by the other worker
                assert await get_status(client, "/officer/account") == 200
    finally:
        await runtime.close()
    assert_no_trace_in_stores(two_workers.settings, [officer.username.encode(), officer.password.encode()])
    with only(running=b, frozen=a):
        async with fresh_client(server.base_url, "198.51.100.21") as stranger:
            assert await get_status(stranger, "/officer/account") in (302, 303, 401)  # not open to everyone


def test_serve_uses_every_core_unless_told_otherwise() -> None:
    from signalement.settings import load_settings

    assert load_settings({}).serve_workers == len(os.sched_getaffinity(0))
    assert load_settings({"SIGNALEMENT_WEB_WORKERS": "3"}).serve_workers == 3
    assert load_settings({}, web_workers=1).serve_workers == 1  # what ``serve --workers 1`` passes
