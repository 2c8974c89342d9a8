"""The reporter tier: public pages under ``/`` and ``/{lang}/``. Nothing here can open a case.

Modules: ``report`` (the steps and the receipt), ``followup`` (the portal),
``feedback``, ``uploads`` and ``attach`` (streamed, sanitised, encrypted
evidence), ``sealing`` (state carried in the page, encrypted), ``forms``
(parsing what was typed), ``expired`` (a refused CSRF token shows the page
again instead of losing it), ``visit`` (the per-visit cookie that Quick exit
clears, so forms re-sent from the history open nothing).
"""

from __future__ import annotations

from litestar import Router
from litestar.exceptions import PermissionDeniedException

from signalement.runtime import Runtime


def build_router(runtime: Runtime) -> Router:
    from signalement.reporter.expired import expired_handler
    from signalement.reporter.feedback import FeedbackController
    from signalement.reporter.followup import FollowupPages, followup_routes
    from signalement.reporter.page_state import PageStates
    from signalement.reporter.routes import routes
    from signalement.reporter.steps import ReportPages, report_routes
    from signalement.reporter.visit import ClosedVisitError, closed_response

    states = PageStates(runtime.form_keys, runtime.settings.staged_evidence_hours)
    report = ReportPages(runtime, states)
    followup = FollowupPages(runtime, states)
    secure = runtime.settings.is_production
    handlers = [
        *routes(runtime.settings.quick_exit_url, secure=secure),
        *report_routes(report),
        *followup_routes(followup),
        FeedbackController,
    ]
    return Router(
        path="/",
        route_handlers=handlers,
        include_in_schema=False,
        exception_handlers={
            PermissionDeniedException: expired_handler(report, followup),
            ClosedVisitError: lambda request, _exc: closed_response(request),
        },
    )
