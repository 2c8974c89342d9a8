"""``/research/``: the dashboard, the exports, and the latest feedback comments (flag or delete).

Thin handlers: numbers come from the latest ``metrics.snapshots`` snapshot (an
``aggregates.Report`` computed off the request path, already suppressed),
comments from ``metrics.comments`` opened with the research key in the
researcher's own session. Every route declares ``Permission.RESEARCH``.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from signalement import i18n
from signalement.db.models import utcnow
from signalement.errors import NotFoundError
from signalement.i18n import N_
from signalement.metrics import aggregates, comments, export, snapshots
from signalement.research import charts
from signalement.runtime import Runtime
from signalement.staff.access import Permission
from signalement.staff.guard import declare
from signalement.staff.rendering import nav_for, principal_of
from signalement.staff.research_session import research_key
from signalement.staff.wording import CHANNEL_NAMES, StaffWording, word

PERIODS = snapshots.PERIODS
URGENCY_NAMES = MappingProxyType({"immediate": N_("Immediate"), "high": N_("High"), "standard": N_("Standard")})
CHANNELS = ("web", "sms", "voice")


def _filters(runtime: Runtime, days: int, channel: str, language: str) -> aggregates.Filters:
    days = days if days in PERIODS else snapshots.DEFAULT_PERIOD
    base = aggregates.default_filters(days)
    return aggregates.Filters(
        since=base.since,
        until=base.until,
        channel=channel if channel in CHANNELS else "",
        language=language if language in {lang.code for lang in i18n.LANGUAGES} else "",
    )


def snapshot_settings(runtime: Runtime) -> snapshots.Settings:
    s = runtime.settings
    return snapshots.Settings(k=s.research_k, experiment=runtime.experiment, min_sample=s.experiment_min_sample,
                              max_age=s.research_snapshot_seconds)


async def _snapshot(runtime: Runtime, filters: aggregates.Filters) -> snapshots.Snapshot:
    """The latest precomputed report for the window (``metrics.snapshots``), computed now only if there is none."""
    days = (filters.until - filters.since).days + 1
    return await snapshots.latest(runtime.db, days, filters.channel, filters.language, snapshot_settings(runtime))


async def _report(runtime: Runtime, filters: aggregates.Filters) -> aggregates.Report:
    return (await _snapshot(runtime, filters)).report


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Template:
    """A research template with the context every staff page shares (``officer/base.html`` frames it)."""
    principal = principal_of(request)
    lang = i18n.current_language()
    base = {
        "lang": lang,
        "principal": principal,
        "nav": nav_for(principal),
        "ui": StaffWording(lang, utcnow()),
        "current_path": request.url.path,
        "notice": None,
        "urgency_name": lambda code: word(URGENCY_NAMES, code),
    }
    base.update(context)
    return Template(f"research/{template}", context=base, status_code=status_code)


def _charts(report: aggregates.Report) -> dict[str, object]:
    return {
        "funnel": charts.count_bars([(row.step, row.reached) for row in report.funnel]),
        "dropoff": charts.rate_bars([(row.step, row.drop_rate, None, None) for row in report.funnel]),
        "channels": charts.rate_bars([(word(CHANNEL_NAMES, s.key), s.share, None, None) for s in report.channel_mix]),
        "languages": charts.rate_bars([(s.key, s.share, None, None) for s in report.language_mix]),
        "satisfaction": charts.share_line([(w.period, w.share_yes) for w in report.satisfaction_weeks]),
        "experiments": [charts.rate_bars([(a.arm, a.rate, a.low, a.high) for a in e.arms]) for e in report.experiments],
    }


class ResearchController(Controller):
    path = "/"

    @get("/", opt=declare(Permission.RESEARCH))
    async def dashboard(
        self,
        request: Request,
        runtime: NamedDependency[Runtime],
        days: FromQuery[int] = 90,
        channel: FromQuery[str] = "",
        language: FromQuery[str] = "",
    ) -> Template:
        filters = _filters(runtime, days, channel, language)
        snapshot = await _snapshot(runtime, filters)
        report = snapshot.report
        key = research_key(request)
        since = utcnow().date() - dt.timedelta(days=runtime.settings.feedback_retention_days)
        latest, held_back = await comments.latest_comments(runtime.db, key, k=runtime.settings.research_k, since=since)
        return render(
            request,
            "dashboard.html",
            report=report,
            computed_at=snapshot.computed_at,
            charts=_charts(report),
            filters=filters,
            days=(filters.until - filters.since).days + 1,
            periods=PERIODS,
            channels=CHANNELS,
            languages=i18n.LANGUAGES,
            comments=latest,
            held_back=held_back,
            has_key=key is not None,
            experiment=runtime.experiment,
            retention_days=runtime.settings.feedback_retention_days,
        )

    @get("/export.json", opt=declare(Permission.RESEARCH))
    async def export_json(
        self,
        runtime: NamedDependency[Runtime],
        days: FromQuery[int] = 90,
        channel: FromQuery[str] = "",
        language: FromQuery[str] = "",
    ) -> Response[bytes]:
        report = await _report(runtime, _filters(runtime, days, channel, language))
        return Response(
            export.to_json(report),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="signalement-research.json"'},
        )

    @get("/export.csv", opt=declare(Permission.RESEARCH))
    async def export_csv(
        self,
        runtime: NamedDependency[Runtime],
        days: FromQuery[int] = 90,
        channel: FromQuery[str] = "",
        language: FromQuery[str] = "",
    ) -> Response[str]:
        report = await _report(runtime, _filters(runtime, days, channel, language))
        return Response(
            export.to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="signalement-research.csv"'},
        )

    @post("/comments/{comment_id:str}/flag", opt=declare(Permission.RESEARCH), status_code=303)
    async def flag(self, request: Request, comment_id: FromPath[str], runtime: NamedDependency[Runtime]) -> Redirect:
        return await _flag(request, runtime, comment_id, flagged=True)

    @post("/comments/{comment_id:str}/unflag", opt=declare(Permission.RESEARCH), status_code=303)
    async def unflag(self, request: Request, comment_id: FromPath[str], runtime: NamedDependency[Runtime]) -> Redirect:
        return await _flag(request, runtime, comment_id, flagged=False)

    @post("/comments/{comment_id:str}/delete", opt=declare(Permission.RESEARCH), status_code=303)
    async def delete(self, request: Request, comment_id: FromPath[str], runtime: NamedDependency[Runtime]) -> Redirect:
        if not await comments.delete_comment(runtime.db, runtime.audit_keys, comment_id[:32], actor=_actor(request)):
            raise NotFoundError
        return Redirect("/research/#comments", status_code=HTTP_303_SEE_OTHER)


def _actor(request: Request) -> str:
    principal = principal_of(request)
    assert principal is not None  # every route declares Permission.RESEARCH: the guard let a principal in
    return principal.actor


async def _flag(request: Request, runtime: Runtime, comment_id: str, *, flagged: bool) -> Redirect:
    if not await comments.flag_comment(runtime.db, runtime.audit_keys, comment_id[:32], actor=_actor(request),
                                       flagged=flagged):
        raise NotFoundError
    return Redirect("/research/#comments", status_code=HTTP_303_SEE_OTHER)
