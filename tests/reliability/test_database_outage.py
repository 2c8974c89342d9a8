"""The database goes away under a real server: reporters get a calm page that keeps their report, the
readiness probe fails, nothing is acknowledged, and service comes back by itself within 5 s.

The server reaches PostgreSQL through a TCP relay of ours on 127.0.0.1. Cutting the relay (listener
closed, every open connection dropped) is the outage: the port is dead, exactly as when PostgreSQL
stops. Opening the relay again on the same port is the database returning; the server is not restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from integration.reporter.reporting import STORY, Reporter, said
from signalement.db.engine import Database
from signalement.db.models import Case
from support.live import free_port, start_server

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                      indirect=True)]

RECOVERY_SECONDS = 5.0


class Relay:
    """A TCP relay to PostgreSQL, in a thread of its own, that can be cut and restored on one port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _open(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self.writers.clear()

    def open(self) -> None:
        self._call(self._open())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def relay(stack: Any) -> Iterator[Relay]:
    url = make_url(stack.settings.db_url)
    peer = Relay(url.host or "127.0.0.1", url.port or 5432)
    peer.open()
    try:
        yield peer
    finally:
        peer.close()


async def _cases(stack: Any) -> int:
    db = Database(stack.settings.db_url)
    try:
        async with db.reading() as session:
            return int(await session.scalar(select(func.count()).select_from(Case)) or 0)
    finally:
        await db.dispose()


async def test_a_database_outage_keeps_the_report_and_service_returns_without_a_restart(
    stack: Any, relay: Relay, tmp_path: Path
) -> None:
    through_relay = make_url(stack.settings.db_url).set(port=relay.port).render_as_string(hide_password=False)
    settings = msgspec.structs.replace(stack.settings, database_url=through_relay)
    server = start_server(settings, tmp_path / "server.log")
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=20) as client:
            assert (await client.get("/readyz")).status_code == 200
            reporter = Reporter(client, lang="fr")  # type: ignore[arg-type]
            await reporter.fill(until_review=False)

            relay.cut()
            page = await reporter.submit()
            assert page.status == 503, page.text[:800]
            assert 'lang="fr"' in page.text and "Traceback" not in page.text
            busy = said("fr", "We are very busy right now. Your report is not sent yet. Please wait one minute "
                              "and press Send the report again.")
            assert html.unescape(busy) in html.unescape(page.text)
            assert 'class="receipt"' not in page.text  # nothing acknowledged
            assert 'name="draft"' in page.text  # the report is still on the page, ready to send again
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unreachable")

            relay.open()
            returned = time.monotonic()
            while (await client.get("/readyz")).status_code != 200:
                assert time.monotonic() - returned < RECOVERY_SECONDS, "not ready 5 s after the database returned"
                await asyncio.sleep(0.1)
            sent = await reporter.submit()  # the same page, sent again
            assert time.monotonic() - returned < RECOVERY_SECONDS
            assert sent.status == 200, sent.text[:800]
            code, _secret = sent.receipt()
    finally:
        server.stop()
    assert await _cases(stack) == 1
    assert "Traceback" not in server.logs()
    assert STORY not in server.logs()
    assert code
