"""When Litestar's CSRF check refuses a reporter's form: show the page again, and do nothing else.

A worker's phone kills the browser, the CSRF cookie goes with it, and the
restored tab posts a story that took half an hour to write. A bare 403 would
lose it. So for reporter forms, ``CSRFMiddleware``'s refusal comes here (an
exception handler on the reporter router) and we show the same step again,
with what was posted, a token that will pass, and a calm "check and
continue" message.

Why this is safe: the handler never *acts*. It files nothing, stores no
file, sends no message and checks no code; it only shows a page to the
browser that posted it (a cross-site attacker cannot read that page).
The reporter must press the button again, on our page, with a valid token.
A form whose visit has ended (no visit cookie: Quick exit cleared it) gets
the neutral closed page instead: re-sent from the history, it shows nothing.
The follow-up portal is stricter: a refused reply or view never reopens the
case from the posted token (an attacker could plant a token for *their*
case and harvest the reply); the reporter signs in again, and a reply they
had typed is kept in the box, unsent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.datastructures import FormMultiDict
from litestar.response import Template
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from signalement.errors import SignalementError, handle_exception
from signalement.i18n import N_
from signalement.reporter import csrf, locale, visit
from signalement.reporter.draft import Step
from signalement.reporter.feedback import feedback_page, read_feedback
from signalement.reporter.followup import EXPIRED_SIGN_IN, FollowupPages
from signalement.reporter.forms import Fields, read_step
from signalement.reporter.page_state import ExpiredFormError, TamperedFormError
from signalement.reporter.steps import ReportPages
from signalement.reporter.visit import ClosedVisitError

PAGE_EXPIRED = N_("This page was open for a long time. Please check your answers, then continue.")


def _posted_fields(request: Request[Any, Any, Any]) -> Fields | None:
    raw = ScopeState.from_scope(request.scope).form  # parsed by the CSRF middleware before it refused
    if request.method != "POST" or raw is Empty or not isinstance(raw, dict):
        return None
    return Fields(FormMultiDict.from_form_data(raw))


def _page_again(report: ReportPages, fp: FollowupPages, request: Request[Any, Any, Any]) -> Template | None:
    fields = _posted_fields(request)
    if fields is None:
        return None
    lang = locale.language(str(request.path_params.get("lang", "")))
    kind = request.route_handler.opt.get("on_expired")
    key = visit.current(request)
    if key is None:  # Quick exit cleared the cookies: a form re-sent from the history shows nothing
        return visit.closed_page(lang) if kind else None
    if kind == "report":
        try:
            opened = report.states.drafts.decode(fields.one("draft"), visit=key)
        except ExpiredFormError:
            return report.restart(lang, fields, key)
        except ClosedVisitError:
            return visit.closed_page(lang)
        if opened.value.step is Step.DONE:
            return None
        posted = read_step(opened.value, fields)
        return report.step(
            lang,
            posted.draft,
            visit=key,
            started=opened.started,
            errors=posted.errors,
            typed=posted.typed,
            notice=PAGE_EXPIRED,
            status=403,
        )
    if kind == "followup":
        # Only text a page of *this* visit posted comes back: a sign-in or a reply re-sent from
        # the history of an earlier visit (Back, then reload, after Quick exit) shows nothing.
        pending = ""
        if fields.one("token"):
            try:
                fp.open_token(fields, key)
                pending = fields.one("message")
            except ClosedVisitError:
                return visit.closed_page(lang)
            except ExpiredFormError:
                pending = fields.one("message")
            except TamperedFormError:  # not a page of ours: sign in again, nothing kept
                pending = ""
        return fp.login(lang, pending=pending, notice=EXPIRED_SIGN_IN, status=403)
    if kind == "feedback":
        page, easy, comment, _errors = read_feedback(fields)
        if not _same_visit(report, fields.one("draft"), key):
            comment = ""
        return feedback_page(lang, page=page, easy=easy, comment=comment, notice=PAGE_EXPIRED, status=403)
    return None


def _same_visit(report: ReportPages, token: str, key: str) -> bool:
    try:
        report.states.drafts.decode(token, visit=key)
    except ExpiredFormError:
        return True  # this visit's page, only old
    except SignalementError:
        return False
    return True


def expired_handler(
    report: ReportPages, fp: FollowupPages
) -> Callable[[Request[Any, Any, Any], Exception], Response[Any]]:
    """The reporter router's handler for ``PermissionDeniedException`` (Litestar's CSRF refusal)."""

    def show_again(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        try:
            page = _page_again(report, fp, request)
        except SignalementError:  # a forged draft, a repeated field, an unknown language: the plain 403 page
            page = None
        if page is None:
            return handle_exception(request, exc)
        if page.template_name == "reporter/closed.html":
            return page  # no new CSRF token either: that visit is over
        for cookie in csrf.renew_token(request):
            page.set_cookie(cookie)
        return page

    return show_again
