"""Headers on every response: a strict CSP and no caching, referrers or framing.

``Cache-Control: no-store`` on every page: a cached page on a shared phone is
evidence that someone visited a tip line, and may hold what they wrote. The
one exception is a content-hashed stylesheet or script (``static_assets``),
which holds nothing of anyone's and which Quick exit clears from the cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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
    encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in values.items()]
    but_cache_control = [(name, value) for name, value in encoded if name != b"cache-control"]
    ours = frozenset(name for name, _ in encoded)

    async def add_headers(message: Message, scope: Scope) -> None:
        # One pass over the raw headers, not a case-insensitive search per name (MutableScopeHeaders):
        # this runs for every response.
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers", ()))
        first_cache_control = next((value for name, value in headers if name.lower() == b"cache-control"), b"")
        # A content-hashed static file (static_assets) keeps its own: it never changes.
        immutable = b"immutable" in first_cache_control
        dropped = (ours - {b"cache-control"} if immutable else ours) | {b"server"}
        kept = [(name, value) for name, value in headers if name.lower() not in dropped]
        message["headers"] = kept + (but_cache_control if immutable else encoded)

    return add_headers
