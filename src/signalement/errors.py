"""Domain errors, and the one place where any error becomes a response.

Reporters get a calm page in their language; officers get their workspace's
error page or, on the API, RFC 9457 problem details; Twilio gets a bare
status. Nobody gets a stack trace, and the log gets the error's type and a
random id, never its message (messages can quote what someone typed).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, InternalServerException
from litestar.response import Template

from signalement import i18n
from signalement.db.engine import is_unavailable
from signalement.i18n import N_
from signalement.logs import log_exception
from signalement.vault.envelope import SealedValueError
from signalement.vault.kdf import KdfBusyError

logger = logging.getLogger("signalement.errors")


class SignalementError(Exception):
    """Base for expected failures that map to a client error."""

    status_code = 400
    title = "Bad request"

    def explain(self) -> str | None:
        """What went wrong and what to do, in the active language; ``None`` for the status's generic words.
        Called after the language is activated, so subclasses translate here, never at raise time."""
        return None


class NotFoundError(SignalementError):
    """The object does not exist, or the caller may not know that it does."""

    status_code = 404
    title = "Not found"


class ForbiddenError(SignalementError):
    """The caller's role or region does not allow this."""

    status_code = 403
    title = "Forbidden"


class ConflictError(SignalementError):
    """The change conflicts with the object's current state (for example a workflow step)."""

    status_code = 409
    title = "Conflict"


class TooManyAttemptsError(SignalementError):
    """Too many failed attempts from this client; try again later."""

    status_code = 429
    title = "Too many attempts"


REPORTER_MESSAGES: dict[int, tuple[str, str]] = {
    400: (N_("Something was not right"), N_("Something in the form was not right. Please go back and try again.")),
    403: (N_("This page has expired"), N_("This page has expired. Please go back, reload the page, and try again.")),
    404: (N_("Page not found"), N_("We could not find this page.")),
    405: (N_("Page not found"), N_("We could not find this page.")),
    413: (N_("Too big"), N_("What you sent is too big. Files can be up to 10 MB each.")),
    429: (N_("Please wait"), N_("Too many tries. Please wait 15 minutes and try again.")),
    500: (N_("Something went wrong"),
          N_("Something went wrong on our side. If you saw your case code, your report is safe. "
             "Please try again in a few minutes.")),
    503: (N_("We are busy"), N_("We are very busy right now. Please try again in one minute.")),
}


# What Litestar raises (as a 500) when the client hangs up before its body has arrived: a phone losing signal
# mid-Send. Nothing failed on our side and nobody is left to answer, so it is not an error to log as one.
CLIENT_GONE = "client disconnected prematurely"


def client_gone(exc: Exception) -> bool:
    return isinstance(exc, InternalServerException) and exc.detail == CLIENT_GONE


def status_for(exc: Exception) -> int:
    if client_gone(exc):
        return 400
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, SignalementError):
        return exc.status_code
    if isinstance(exc, KdfBusyError) or is_unavailable(exc):
        return 503
    if isinstance(exc, SealedValueError):
        return 410
    return 500


def tier_of(path: str) -> str:
    if path.startswith(("/api/", "/schema/openapi")):
        return "api"
    if path.startswith(("/officer", "/research", "/schema")):
        return "officer"
    if path.startswith("/twilio/"):
        return "twilio"
    return "reporter"


def reporter_language(request: Request) -> str:
    first = request.url.path.strip("/").split("/", 1)[0]
    if first in i18n.BY_CODE:
        return first
    return i18n.negotiate(request.headers.get("accept-language")).code


def handle_exception(request: Request, exc: Exception) -> Response:
    status = status_for(exc)
    error_id = None
    handler = request.scope.get("route_handler")
    if status >= 500 and status != 503:
        error_id = log_exception(logger, exc, where=getattr(handler, "handler_name", "unrouted"))
    elif client_gone(exc):
        logger.info("client_disconnected", extra={"where": getattr(handler, "handler_name", "unrouted")})
    elif is_unavailable(exc):
        logger.warning("database_unavailable", extra={"exc_type": type(exc).__name__})
    headers = {}
    if isinstance(exc, HTTPException) and exc.headers:
        headers = {k: v for k, v in exc.headers.items() if k.lower() in {"allow", "retry-after"}}
    tier = tier_of(request.url.path)
    if tier == "api":
        body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
        if 400 <= status < 500 and isinstance(exc, HTTPException) and exc.extra:
            body["errors"] = exc.extra
        elif isinstance(exc, SignalementError):
            i18n.activate(request.cookies.get("officer-lang", "en"), i18n.OFFICER)
            body["detail"] = exc.explain() or exc.title
        if error_id:
            body["error_id"] = error_id
        return Response(body, status_code=status, media_type="application/problem+json", headers=headers)
    if tier == "twilio":
        return Response(b"", status_code=status, media_type=MediaType.TEXT, headers=headers)
    if tier == "officer":
        lang = i18n.activate(request.cookies.get("officer-lang", "en"), i18n.OFFICER)
        explanation = exc.explain() if isinstance(exc, SignalementError) else None
        return Template("officer/error.html", status_code=status, headers=headers,
                        context={"status": status, "error_id": error_id, "lang": lang, "explanation": explanation})
    lang = i18n.activate(reporter_language(request), i18n.REPORTER)
    title, message = REPORTER_MESSAGES.get(status, REPORTER_MESSAGES[500 if status >= 500 else 400])
    return Template("reporter/error.html", status_code=status, headers=headers, context={
        "status": status, "error_id": error_id, "lang": lang, "title_msgid": title, "message_msgid": message,
        "page_path": "",
    })
