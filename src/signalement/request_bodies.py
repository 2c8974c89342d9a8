"""Which routes may be sent a multipart body: only those that stream it themselves.

Litestar parses a form before our code runs (the CSRF check reads it on every POST). For a multipart body
that parser spools each part over 1 MB to a temporary file, in clear on our disk, and decodes each text part
in whatever charset the part claims: an unknown or lying one ends in a 500. None of our forms is multipart
except the evidence uploads, which read the stream in memory themselves (``reporter.uploads``) and say so
with ``opt={STREAMS_MULTIPART: True}``. Every other route refuses a multipart body with a 400 before
anything reads it. Twilio's webhooks are left to their signature check, which reads the raw body.
"""

from __future__ import annotations

from litestar.datastructures import Headers
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from signalement.errors import SignalementError

STREAMS_MULTIPART = "streams_multipart"


class UnexpectedMultipartError(SignalementError):
    """A multipart body sent to a route whose forms are never multipart."""


class RefuseUnstreamedMultipart(ASGIMiddleware):
    exclude_opt_key = STREAMS_MULTIPART
    exclude_path_pattern = ("^/twilio/",)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        content_type = Headers.from_scope(scope).get("content-type", "")
        if content_type.partition(";")[0].strip().lower() == "multipart/form-data":
            raise UnexpectedMultipartError("multipart body on a route that does not stream it")
        await next_app(scope, receive, send)
