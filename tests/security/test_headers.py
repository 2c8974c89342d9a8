"""Every route's security headers, from the outside, against a reviewed snapshot.

The route table is read from the app itself, so a new route cannot slip past: each route is requested
with each of its methods, unauthenticated and without a CSRF token (the answers are mostly 3xx/4xx,
which is what an attacker sees, and error pages must carry the headers too). Two layers:

* invariants checked on every response here: a strict CSP (no inline script or style, no framing, no
  plugins, forms only to us), ``no-store`` (a cached page on a shared phone shows someone visited a tip
  line), ``nosniff``, no referrer, no ``Server`` banner, and cookies that are HttpOnly and SameSite;
* a snapshot (``snapshots/headers.json``) of the security headers and cookie attributes per route and
  method. A new route, or any change of a header, fails until the snapshot is regenerated and the diff
  reviewed: ``SIGNALEMENT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/security/test_headers.py``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from signalement.security_headers import HSTS, security_headers_hook

SNAPSHOT = Path(__file__).parent / "snapshots" / "headers.json"
SECURITY_HEADERS = (
    "content-security-policy", "cache-control", "cross-origin-opener-policy", "cross-origin-resource-policy",
    "permissions-policy", "referrer-policy", "strict-transport-security", "x-content-type-options",
    "x-frame-options", "server", "x-powered-by", "access-control-allow-origin",
)
SAMPLE = {"lang": "en", "file_path": "site.css"}
EXTRA_REQUESTS = [("GET", "/no-such-page"), ("DELETE", "/healthz"), ("GET", "/static/../settings.py")]


def concrete(route: HTTPRoute) -> str:
    """The route's path with a plausible value in each parameter."""
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        return SAMPLE.get(name, "1" if kind == "int" else "x")

    return re.sub(r"\{(\w+):(\w+)\}", value, route.path)


def requests_for(app: Litestar) -> list[tuple[str, str, str]]:
    """(snapshot key, method, path) for every method of every HTTP route, plus unrouted requests."""
    out = []
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"{route.path}: a non-HTTP route needs its own header test"
        for method in sorted(route.methods):
            out.append((f"{method} {route.path}", method, concrete(route)))
    out.extend((f"{method} {path} (unrouted)", method, path) for method, path in EXTRA_REQUESTS)
    return out


def cookie_attributes(set_cookie: str) -> str:
    """A Set-Cookie header without its value (random per request): name and sorted attributes."""
    name, _, rest = set_cookie.partition("=")
    attributes = sorted(a.strip() for a in rest.split(";")[1:] if a.strip() and not
                        a.strip().lower().startswith(("expires", "max-age")))
    return "; ".join([name.strip(), *attributes])


def check_invariants(where: str, headers: Any) -> None:
    csp = headers.get("content-security-policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives.get("default-src") == "'self'", (where, csp)
    assert directives.get("script-src") == "'self'" and directives.get("style-src") == "'self'", (where, csp)
    assert directives.get("frame-ancestors") == "'none'" and directives.get("object-src") == "'none'", where
    assert directives.get("base-uri") == "'none'" and directives.get("form-action") == "'self'", where
    assert "unsafe" not in csp and "*" not in csp, (where, csp)
    assert headers.get("cache-control") == "no-store", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert headers.get("x-frame-options") == "DENY", where
    assert "server" not in headers and "x-powered-by" not in headers, where
    assert "access-control-allow-origin" not in headers, where
    for cookie in headers.get_list("set-cookie"):
        lowered = cookie.lower()
        assert "httponly" in lowered and ("samesite=strict" in lowered or "samesite=lax" in lowered), (where, cookie)


async def test_every_route_sends_the_security_headers_of_the_snapshot(
    client: AsyncTestClient[Litestar], stack: Any
) -> None:
    seen: dict[str, dict[str, object]] = {}
    for key, method, path in requests_for(stack.app):
        client.cookies.clear()  # each request as a first visit: what it sets does not depend on the order
        response = await client.request(method, path, follow_redirects=False)
        assert response.status_code < 500 or response.status_code == 503, (key, response.status_code)
        check_invariants(key, response.headers)
        seen[key] = {
            **{name: response.headers.get(name) for name in SECURITY_HEADERS},
            "set-cookie": sorted(cookie_attributes(c) for c in response.headers.get_list("set-cookie")),
        }
    if os.environ.get("SIGNALEMENT_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(seen, indent=1, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    new, gone = sorted(set(seen) - set(expected)), sorted(set(expected) - set(seen))
    assert not new and not gone, (
        f"routes not in the snapshot: {new}; in the snapshot but gone: {gone}. Regenerate with "
        "SIGNALEMENT_UPDATE_SNAPSHOTS=1 and review the diff of tests/security/snapshots/headers.json"
    )
    changed = {key: (expected[key], seen[key]) for key in seen if seen[key] != expected[key]}
    assert not changed, changed


async def test_reporter_pages_are_never_stored_even_when_they_set_a_cookie(client: AsyncTestClient[Litestar]) -> None:
    for path in ("/", "/en", "/en/report", "/pa/report", "/en/follow-up", "/static/site.css"):
        response = await client.get(path, follow_redirects=False)
        assert response.headers["cache-control"] == "no-store", path
        check_invariants(path, response.headers)


async def test_production_adds_hsts_to_every_response() -> None:
    hook = security_headers_hook(hsts=True)
    message: dict[str, Any] = {"type": "http.response.start", "status": 404,
                               "headers": [(b"server", b"uvicorn")]}
    await hook(message, {})  # type: ignore[arg-type]
    headers = {k.decode(): v.decode() for k, v in message["headers"]}
    assert headers["strict-transport-security"] == HSTS and "server" not in headers
    assert "max-age=63072000" in HSTS and "includeSubDomains" in HSTS
