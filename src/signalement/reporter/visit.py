"""The per-visit key, and the neutral page a form gets once its visit has ended.

Threat: a shared phone after Quick exit. The browser keeps every page's POST in
its history and re-sends it on Back and reload: the receipt's "Send" (the code
and secret again), the review page (the whole story), the portal's sign-in (the
officer's reply). Quick exit clears our cookies (``Clear-Site-Data``), and every
state a page carries (draft, follow-up access) is bound to this cookie, so a
re-sent form opens nothing: it gets ``closed.html``, which shows no content.

The cookie is 32 random bytes, set when a flow starts (the report's or the
portal's first page). It is ``HttpOnly``, ``SameSite=Strict``, ``Path=/`` and
has no expiry, so it ends with the browser too. We never store or log it;
page states carry only a hash of it, inside their encryption.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Template

from signalement.errors import SignalementError

COOKIE = "visit"
SECURE_COOKIE = "__Host-visit"  # the __Host- prefix: only this host, only over HTTPS, Path=/
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{43}")
# What Quick exit asks the browser to forget: our cookies (this key, the CSRF token), cached
# pages and stylesheets, and any storage a script of ours wrote.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


class ClosedVisitError(SignalementError):
    """A form came back without the visit it belongs to (after Quick exit, or from another browser)."""


def current(request: Request[Any, Any, Any]) -> str | None:
    """This browser's visit key, if it sent a well-formed one."""
    for name in (SECURE_COOKIE, COOKIE):
        value = request.cookies.get(name, "")
        if _WELL_FORMED.fullmatch(value):
            return value
    return None


def required(request: Request[Any, Any, Any]) -> str:
    """The visit key of a form post; a post without one belongs to a visit that has ended."""
    value = current(request)
    if value is None:
        raise ClosedVisitError
    return value


def begin(request: Request[Any, Any, Any], *, secure: bool) -> tuple[str, Cookie | None]:
    """The visit key for a flow's first page: the browser's own, or a new one with its cookie."""
    value = current(request)
    if value is not None:
        return value, None
    value = secrets.token_urlsafe(32)
    cookie = Cookie(
        key=SECURE_COOKIE if secure else COOKIE,
        value=value,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    return value, cookie


def tag(visit: str) -> bytes:
    """What a page state carries to name its visit: a hash, so the key itself is never in a page."""
    return hashlib.sha256(b"signalement/reporter/visit/v1|" + visit.encode()).digest()[:16]


def closed_page(lang: Any) -> Template:
    """The page for a form of an ended visit: nothing from the report, in the reporter's language."""
    return Template("reporter/closed.html", context={"lang": lang, "page_path": "/"})


def with_cookie(page: Template, cookie: Cookie | None) -> Template:
    if cookie is not None:
        page.set_cookie(cookie)
    return page


def closed_response(request: Request[Any, Any, Any]) -> Response[Any]:
    from signalement.reporter import locale

    code = str(request.path_params.get("lang", ""))
    try:
        lang = locale.language(code)
    except SignalementError:
        lang = locale.language("en")
    return closed_page(lang)
