"""What every staff page needs (officer and research tiers): language, principal, wording, safe redirects."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from signalement import i18n
from signalement.db.models import Role, utcnow
from signalement.staff import sessions
from signalement.staff.access import Permission, Principal, Stage
from signalement.staff.guard import SetupRequiredError, SignInRequiredError, WorkKeptError
from signalement.staff.wording import StaffWording

LANG_COOKIE = "officer-lang"
SIGN_IN = "/officer/sign-in"
HOME = "/officer/"


def staff_language(request: Request) -> str:
    """The staff member's chosen language (English or French), from the ``officer-lang`` cookie."""
    code = request.cookies.get(LANG_COOKIE, "en")
    return code if code in {lang.code for lang in i18n.OFFICER_LANGUAGES} else "en"


async def activate_language(request: Request) -> None:
    """``before_request`` hook: the staff member's language for the rest of this request.

    It must be a coroutine. Litestar runs a synchronous hook in a worker thread, on a *copy* of the
    request's context, so the language it set never reached the handler or the template.
    """
    i18n.activate(staff_language(request), i18n.OFFICER)


def principal_of(request: Request) -> Principal | None:
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


def nav_for(principal: Principal | None) -> list[tuple[str, str]]:
    """(path, msgid) of the places this principal may go, in the order they appear."""
    if principal is None or principal.stage is Stage.SETUP:
        return []
    items = [
        ("/officer/queue", Permission.CASES_READ, i18n.N_("Queue")),
        ("/officer/clusters", Permission.CLUSTERS, i18n.N_("Employer clusters")),
        ("/officer/audit", Permission.AUDIT_READ, i18n.N_("Audit log")),
        ("/officer/admin/staff", Permission.STAFF_MANAGE, i18n.N_("Staff")),
        ("/officer/admin/keys", Permission.KEYS_STATUS, i18n.N_("Keys")),
        ("/research/", Permission.RESEARCH, i18n.N_("Research")),
        ("/officer/account", Permission.ACCOUNT, i18n.N_("My account")),
    ]
    return [(path, label) for path, permission, label in items if principal.may(permission)]


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    wording: type[StaffWording] = StaffWording,
    in_utc: bool = False,
    **context: Any,
) -> Template:
    """A staff template (under ``templates/officer/``) with the context every staff page shares.
    Times read in the staff member's office time zone, or UTC (``in_utc``) for what leaves the workspace."""
    principal = principal_of(request)
    lang = i18n.current_language()
    settings = request.app.state.runtime.settings
    zone = dt.UTC if in_utc else settings.time_zone_for(principal.region if principal else None)
    state = sessions.read_state(request) if principal is not None else None
    ends = sessions.ends_at(state, settings) if state is not None else None
    base = {
        # When the session ends if nothing more happens: stated on the page, warned about by session.js.
        "session_ends": dt.datetime.fromtimestamp(ends, dt.UTC) if ends is not None else None,
        "session_seconds_left": max(0, int(ends - sessions.clock())) if ends is not None else None,
        "lang": lang,
        "principal": principal,
        "nav": nav_for(principal),
        "ui": wording(lang, utcnow(), zone),
        "current_path": request.url.path,
        "notice": None,
    }
    base.update(context)
    return Template(f"officer/{template}", context=base, status_code=status_code, headers=headers or {})


def see_other(path: str, **query: object) -> Redirect:
    params = {k: v for k, v in query.items() if v not in (None, "", False)}
    return Redirect(path + ("?" + urlencode(params) if params else ""), status_code=HTTP_303_SEE_OTHER)


def safe_next(value: str | None) -> str | None:
    """Only a path inside the workspace: never another host (an open redirect helps phishing)."""
    inside = value.startswith(("/officer/", "/research/", "/schema")) if value else False
    if not value or not inside or value.startswith("//") or "\\" in value:
        return None
    return value[:300]


def home_for(principal: Principal) -> str:
    if principal.stage is Stage.SETUP:
        return "/officer/setup"
    return {
        Role.OFFICER: "/officer/queue",
        Role.SUPERVISOR: "/officer/queue",
        Role.ADMIN: "/officer/admin/staff",
        Role.RESEARCHER: "/research/",
    }[principal.role]


def sign_in_redirect(request: Request, exc: SignInRequiredError) -> Response[Any]:
    """Router exception handler: an anonymous or expired visitor goes to the sign-in page."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    expired = (
        "1"
        if request.cookies.get("signalement-session") or request.cookies.get("__Host-signalement-session")
        else None
    )
    if isinstance(exc, WorkKeptError):
        # What was typed is kept, sealed: sign in again, land back on the page, find it in its box.
        response = see_other(SIGN_IN, next=safe_next(exc.next_path), expired="1", kept="1")
        response.set_cookie(exc.cookie)
        return response
    return see_other(SIGN_IN, next=safe_next(target) if request.method == "GET" else None, expired=expired)


def setup_redirect(request: Request, exc: SetupRequiredError) -> Response[Any]:
    return see_other("/officer/setup")
