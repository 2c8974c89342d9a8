"""The foundation seen from outside: health, headers on every response, calm errors, tiers, caps."""

from __future__ import annotations

import logging

import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from signalement.app import create_app
from signalement.runtime import Runtime
from signalement.security_headers import CSP


async def test_healthz_answers_and_readyz_checks_database_migrations_and_keys(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"database": "ok", "migrations": "ok", "keys": "ok"}}


async def test_readyz_is_not_ready_without_keys(stack, client) -> None:
    (stack.settings.key_path / "current").unlink()
    r = await client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["keys"].startswith("missing")


@pytest.mark.parametrize("path", ["/", "/fr/", "/healthz", "/no-such-page", "/static/site.css", "/metrics"])
async def test_every_response_carries_the_security_headers(client, path: str) -> None:
    r = await client.get(path)
    h = r.headers
    assert h["content-security-policy"] == CSP
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"):
        assert directive in CSP
    assert "unsafe-inline" not in CSP
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-content-type-options"] == "nosniff"
    assert h["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in h["permissions-policy"]
    assert h["cache-control"] == "no-store"
    assert "strict-transport-security" not in h  # development is plain HTTP
    assert "server" not in h


async def test_an_unknown_page_gets_a_calm_page_in_the_language_of_its_path(client) -> None:
    r = await client.get("/es/no-existe")
    assert r.status_code == 404
    assert '<html lang="es" dir="ltr"' in r.text
    assert "Traceback" not in r.text


@pytest.mark.fresh_stack  # it adds a route to the app
async def test_an_unexpected_error_shows_an_error_number_and_logs_only_that(stack, caplog) -> None:
    @get("/en/explode", sync_to_thread=False)
    def explode() -> None:
        raise ValueError("the reporter typed SECRET-WORDS-123")

    stack.app.register(explode)  # building the app installs our log handler in place of every other: capture again
    logging.getLogger().addHandler(caplog.handler)
    try:
        async with AsyncTestClient(stack.app, raise_server_exceptions=False) as c:
            r = await c.get("/en/explode")
    finally:
        logging.getLogger().removeHandler(caplog.handler)
    assert r.status_code == 500
    assert "SECRET-WORDS-123" not in r.text and "Traceback" not in r.text and "ValueError" not in r.text
    logged = [rec for rec in caplog.records if rec.getMessage() == "unhandled_error"]
    assert logged and logged[0].exc_type == "ValueError"
    assert logged[0].error_id in r.text
    assert all("SECRET-WORDS-123" not in rec.getMessage() for rec in caplog.records)


@pytest.mark.parametrize("path", ["/en/report", "/en/follow-up", "/fr/feedback"])
async def test_a_client_that_hangs_up_mid_body_is_not_logged_as_an_error(stack, caplog, path: str) -> None:
    """A phone losing signal halfway through a Send: Litestar raises a 500 'client disconnected prematurely'.
    Nothing failed here and nobody is left to answer; it must not page anyone as an unhandled error."""
    chunks = [{"type": "http.request", "body": b"csrf_token=abc&draft=", "more_body": True}]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "state": {},
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/x-www-form-urlencoded"),
                    (b"content-length", b"5000"), (b"cookie", b"csrftoken=abc")],
        "client": ("127.0.0.1", 1234), "server": ("testserver", 80),
    }
    logging.getLogger().addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    try:
        await stack.app(scope, receive, send)  # type: ignore[arg-type]
    finally:
        logging.getLogger().removeHandler(caplog.handler)
    events = [rec.getMessage() for rec in caplog.records]
    assert "unhandled_error" not in events, events
    assert "client_disconnected" in events, events
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [400]


@pytest.mark.fresh_stack  # it adds a route to the app
async def test_bodies_over_the_default_cap_are_refused_with_413(stack) -> None:
    from litestar import Request, post

    @post("/en/echo-size", opt={"exclude_from_csrf": True})
    async def echo_size(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    stack.app.register(echo_size)
    async with AsyncTestClient(stack.app, raise_server_exceptions=False) as c:
        ok = await c.post("/en/echo-size", content=b"x" * 1024, headers={"content-type": "text/plain"})
        big = await c.post("/en/echo-size", content=b"x" * (200 * 1024), headers={"content-type": "text/plain"})
    assert ok.status_code == 201 and ok.json() == {"size": 1024}
    assert big.status_code == 413 and "<html" in big.text


async def test_metrics_need_the_token(stack, client) -> None:
    assert (await client.get("/metrics")).status_code == 401
    r = await client.get("/metrics", headers={"authorization": f"Bearer {stack.runtime.metrics_token}"})
    assert r.status_code == 200 and "signalement" in r.text


async def test_a_public_host_serves_only_the_reporter_tier(stack) -> None:
    import msgspec

    settings = msgspec.structs.replace(stack.settings, tiers="reporter")
    runtime = Runtime(settings)
    try:
        app = create_app(settings, runtime=runtime)
        paths = {route.path for route in app.routes}
        assert not any(p.startswith(("/officer", "/api", "/research")) for p in paths)
        assert "/schema" not in {p.split("/openapi")[0] for p in paths if p.startswith("/schema")}
        async with AsyncTestClient(app, raise_server_exceptions=False) as c:
            assert (await c.get("/officer/")).status_code == 404
            assert (await c.get("/schema/openapi.json")).status_code == 404
    finally:
        await runtime.close()


async def test_hsts_is_sent_in_production(stack) -> None:
    from signalement.security_headers import security_headers_hook

    hook = security_headers_hook(hsts=True)
    message = {"type": "http.response.start", "status": 200, "headers": []}
    await hook(message, {})
    assert (b"strict-transport-security", b"max-age=63072000; includeSubDomains") in message["headers"]
