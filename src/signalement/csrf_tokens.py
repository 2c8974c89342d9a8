"""CSRF tokens that are not ASCII: refused as tokens that do not match, never a 500.

Litestar's CSRF check compares a token's signature with ``hmac.compare_digest`` on text, which raises
``TypeError`` when either side holds a character over 127. Headers and cookies arrive as Latin-1 text and
form fields as UTF-8, so one byte from any client made that comparison, on every POST of every tier, an
unhandled error: a 500 and an error id in the log for each request, sent at will. A token we signed is always
ASCII (hex), so text that is not ASCII is refused as a token that does not match, before any comparison:
``RefuseNonAsciiCsrfTokens`` in front of Litestar's middleware, which ``app.py`` cannot replace, and
``AsciiCSRFChecker`` for the two checks the reporter tier makes itself (``reporter.csrf``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

FORM_FIELD = "_csrf_token"  # Litestar's name for the form field


class AsciiCSRFChecker(CSRFMiddleware):
    """Litestar's own checks, with text that is not ASCII decoding to "no valid token"."""

    def _decode_csrf_token(self, token: str) -> str | None:
        return super()._decode_csrf_token(token) if token.isascii() else None


class RefuseNonAsciiCsrfTokens(ASGIMiddleware):
    """Refuses, as Litestar's CSRF check does (``PermissionDeniedException``), a request whose CSRF cookie,
    header or form field holds text that is not ASCII, wherever that check would run and compare it."""

    def __init__(self, config: CSRFConfig) -> None:
        self.config = config
        self.exclude_opt_key = config.exclude_from_csrf_key
        exclude = config.exclude
        self.exclude_path_pattern = (exclude,) if isinstance(exclude, str) else tuple(exclude or ()) or None

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope=scope, receive=receive)
        if request.method not in self.config.safe_methods:
            for token in await self._tokens(request):
                if not token.isascii():
                    raise PermissionDeniedException("CSRF token verification failed")
        await next_app(scope, receive, send)

    async def _tokens(self, request: Request[Any, Any, Any]) -> list[str]:
        """What Litestar's check will compare: the cookie, and the header or else the form field. The form is
        parsed only where that check would parse it; it is kept in the scope, so it is read once. Litestar also
        reads the field of a multipart body; none reaches its check: ``RefuseUnstreamedMultipart`` stands in
        front on every other route, and the upload routes, excluded from it, check with ``AsciiCSRFChecker``."""
        tokens = [request.cookies.get(self.config.cookie_name) or ""]
        header = request.headers.get(self.config.header_name)
        if header:
            return [*tokens, header]
        if request.content_type[0] == "application/x-www-form-urlencoded":
            field = (await request.form()).get(FORM_FIELD)
            tokens.append(field if isinstance(field, str) else "")
        return tokens
