"""No reporter identifier is written anywhere: a real ``signalement serve``, a real socket, every byte checked.

A reporter files a report over HTTP from a loopback alias of its own (127.0.x.y), sending a
sentinel User-Agent, ``X-Forwarded-For``, custom header, cookie and query string, with a sentinel
story, employer and phone number (asked for SMS follow-up, so the phone *is* kept, sealed). Then it
signs in to the follow-up portal and replies. Afterwards every sentinel, in clear and in the
encodings a careless implementation would use (hex digests, base64), is searched for in:

* every file under the data directory (database, WAL, key store, evidence);
* a full SQL dump (SQLite ``iterdump`` or ``pg_dump``);
* everything the server process wrote to its stdout and stderr (our logs);
* the Prometheus ``/metrics`` output;
* with the Redis store, every key and value in the Redis database the server used.

The search is shown to work: the case code, which is stored in clear by design, is found.

Two runs, the two ways the service is deployed: one process with its in-memory stores on SQLite, and the
scaled-out one, Redis on PostgreSQL. Together they search SQLite's files and dump, ``pg_dump``, Redis, and the
server's output with either store. The two other pairings would add nothing: which store holds the sessions,
rate limits and throttles does not change what reaches the database, and the in-memory store writes nothing
anywhere. (Each pairing costs a server start and a whole report.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from integration.reporter.reporting import FLOW, Reporter
from support.live import LiveServer, start_server
from support.pg import CI
from support.privacy import Sentinels, everything_written, find_leaks, redis_contents

REDIS_URL = "redis://127.0.0.1:6379/11"


def _require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if CI:
            pytest.fail(f"CI=true needs Redis on 127.0.0.1:6379: {exc}")
        pytest.skip(f"Redis is not reachable on 127.0.0.1:6379 ({exc}); the memory-store variant still runs")


@pytest.fixture
def live(request: pytest.FixtureRequest, stack: Any, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    extra: dict[str, str] = {}
    if request.param == "redis-store":
        _require_redis()
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        extra["SIGNALEMENT_REDIS_URL"] = REDIS_URL
    server = start_server(stack.settings, tmp_path / "server.log", extra_env=extra)
    try:
        yield server, request.param
    finally:
        server.stop()


@pytest.mark.parametrize(("live", "backend"), [
    ("memory-store", "sqlite"), pytest.param("redis-store", "postgres", marks=pytest.mark.postgres),
], indirect=True)
async def test_a_report_and_follow_up_over_a_real_socket_store_no_reporter_identifier(
    live: tuple[LiveServer, str], stack: Any
) -> None:
    server, store = live
    s = Sentinels.make()
    flow = [dict(step) for step in FLOW]
    flow[3]["employer"] = s.employer
    flow[4]["narrative"] = f"They took my passport. {s.narrative}"
    flow[6]["phone"] = s.phone
    headers = {"user-agent": s.user_agent, "x-forwarded-for": s.forwarded_for, "x-real-ip": s.forwarded_for,
               "forwarded": f"for={s.forwarded_for}", "x-sentinel": s.header}
    transport = httpx.AsyncHTTPTransport(local_address=s.client_ip)
    async with httpx.AsyncClient(base_url=server.base_url, transport=transport, headers=headers,
                                 cookies={"tracking": s.cookie}, timeout=30) as client:
        reporter = Reporter(client)  # type: ignore[arg-type]
        await reporter.get(f"/en/report?ref={s.query}")
        assert reporter.page is not None and reporter.page.status == 200
        for data in flow:
            page = await reporter.step(data)
            assert page.status == 200, (data, page.errors())
        receipt = await reporter.submit()
        assert receipt.status == 200, receipt.errors()
        code, secret = receipt.receipt()
        await reporter.get(f"/en/follow-up?q={s.query}")
        portal = await reporter.post("/en/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
        assert portal.status == 200 and 'name="token"' in portal.text, portal.errors()
        sent = await reporter.post("/en/follow-up/reply", {"message": f"One more thing: {s.narrative} again."},
                                   keep=("_csrf_token", "token"))
        assert sent.status == 200 and "Your message was sent." in sent.text
        metrics = await client.get("/metrics", headers={"authorization": f"Bearer {stack.runtime.metrics_token}"})
        assert metrics.status_code == 200 and 'path="/{lang}/report"' in metrics.text  # templates, never raw paths
        await client.get(f"/no-such-page?q={s.query}")  # a 404 is logged no more than a 200

    server.stop()  # flush its logs; the database is closed by the process
    await stack.runtime.db.dispose()
    blobs = everything_written(stack.settings, server.log_path)
    blobs["/metrics"] = metrics.content
    if store == "redis-store":
        blobs["redis"] = redis_contents(REDIS_URL)
        assert blobs["redis"], "the Redis store held nothing: the search there would be blind"

    assert blobs["server output"], "the server wrote nothing at all: the log search would be blind"
    assert find_leaks(s, blobs) == []
    # The search can fail: the case code is stored in clear by design, and it is found.
    probe = msgspec.structs.replace(s, narrative=code.replace("-", "").replace(" ", ""))
    others = [n for n in msgspec.structs.asdict(s) if n != "narrative"]
    assert find_leaks(probe, blobs, allow=others) != []
