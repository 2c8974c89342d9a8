"""Headers on every response: a strict CSP and no caching, referrers or framing.

``Cache-Control: no-store`` on every page: a cached page on a shared phone is
evidence that someone visited a tip line, and may hold what they wrote. The
one exception is a content-hashed stylesheet or script (``static_assets``),
which holds nothing of anyone's and which Quick exit clears from the cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
))
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
BASE_HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": PERMISSIONS,
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
HSTS = "max-age=63072000; includeSubDomains"


def security_headers_hook(*, hsts: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """A Litestar ``before_send`` hook. It runs for every response, unrouted 404s and errors included,
    which route middleware would not."""
    values = dict(BASE_HEADERS)
    if hsts:
        values["strict-transport-security"] = HSTS

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            immutable = "immutable" in headers.get("cache-control", "")
            for name, value in values.items():
                if name == "cache-control" and immutable:
                    continue  # a content-hashed static file (static_assets): it never changes
                headers[name] = value
            headers.pop("server", None)

    return add_headers
