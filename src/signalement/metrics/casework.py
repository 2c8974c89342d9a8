"""Case handling for the research tier, from case *metadata* only, aggregated in the database.

Channel and language mix of reports, the digital share, follow-up use, time
from submission to triage (the first status change) and to the first
officer reply, and SLA compliance, per urgency. No case content and no case
id leaves the database: the queries return counts per (urgency, channel,
language) and, for the medians and 90th percentiles, only the few ranked
values each quantile needs (window functions), never one row per case. At
50,000 reports a year, fetching a row per case cost more than the whole
200 ms budget of the research page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import msgspec
from sqlalchemy import ColumnElement, Float, and_, case, cast, func, literal, or_, select, union_all

from signalement.db.engine import Database
from signalement.db.models import AuditEntry, Case, Message
from signalement.metrics import stats
from signalement.metrics.stats import Cell

URGENCIES = ("immediate", "high", "standard")
# Quantiles as tenths, so the rank arithmetic is exact integers in SQL and in Python.
MEDIAN, P90 = 5, 9


class Casework(msgspec.Struct, frozen=True, kw_only=True):
    urgency: str
    cases: Cell
    triage_median_hours: float | None
    triage_p90_hours: float | None
    reply_median_hours: float | None
    reply_p90_hours: float | None
    sla_met: Cell
    sla_breached: Cell
    sla_pending: Cell
    compliance: float | None


class CaseFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Raw (unsuppressed) case counts; ``aggregates`` suppresses them on the way out."""

    by_channel: dict[str, int]
    by_language: dict[str, int]
    followed: int
    casework: list[Casework]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


def _hours(later: ColumnElement[dt.datetime], earlier: ColumnElement[dt.datetime],
           postgres: bool) -> ColumnElement[float]:
    if postgres:
        hours = func.extract("epoch", later - earlier) / 3600.0
    else:  # SQLite keeps UTC as text; julianday reads it
        hours = (func.julianday(later) - func.julianday(earlier)) * 24.0
    return case((hours < 0, 0.0), else_=cast(hours, Float))


def _quantile(values: dict[int, float], n: int, tenths: int) -> float | None:
    """Linear interpolation between the ranks around q·(n-1), as ``numpy.quantile`` does by default."""
    if n == 0:
        return None
    lo, rest = divmod((n - 1) * tenths, 10)
    hi = min(lo + 1, n - 1)
    return values[lo] + (values[hi] - values[lo]) * rest / 10


async def load(db: Database, start: dt.datetime, end: dt.datetime, *, channel: str, language: str,
               now: dt.datetime, k: int) -> CaseFigures:
    """Counts and quantiles for the cases received in [start, end), with their SLA as of ``now``."""
    postgres = db.is_postgres
    # A status change or a reply cannot precede the case: only the period's entries are read.
    status = (select(AuditEntry.object_id.label("case_id"), func.min(AuditEntry.at).label("at"))
              .where(AuditEntry.action == "case.status", AuditEntry.at >= start)
              .group_by(AuditEntry.object_id).subquery("first_status"))
    messages = (select(Message.case_id,
                       func.min(case((Message.author == "officer", Message.created_at))).label("first_reply"),
                       func.max(case((Message.author == "reporter", 1), else_=0)).label("followed"))
                .where(Message.created_at >= start).group_by(Message.case_id).subquery("first_messages"))
    where = [Case.received_at >= start, Case.received_at < end]
    if channel:
        where.append(Case.channel == channel)
    if language:
        where.append(Case.language == language)
    # The first-response deadline (0017; ``sla_due_at`` moves on to the resolution target once it is met).
    due = func.coalesce(Case.first_response_due_at, Case.sla_due_at).label("sla_due_at")
    c = (select(Case.urgency, Case.channel, Case.language, Case.received_at, due,
                status.c.at.label("first_status"), messages.c.first_reply,
                func.coalesce(messages.c.followed, 0).label("followed"))
         .select_from(Case).outerjoin(status, status.c.case_id == Case.id)
         .outerjoin(messages, messages.c.case_id == Case.id).where(*where).cte("case_times")).c
    first = case((c.first_status.is_(None), c.first_reply),
                 (or_(c.first_reply.is_(None), c.first_status <= c.first_reply), c.first_status),
                 else_=c.first_reply)
    met = case((and_(first.is_not(None), first <= c.sla_due_at), 1), else_=0)
    breached = case((and_(first.is_not(None), first > c.sla_due_at), 1),
                    (and_(first.is_(None), c.sla_due_at < now), 1), else_=0)
    counts = (select(c.urgency, c.channel, c.language, func.count(), func.sum(c.followed), func.sum(met),
                     func.sum(breached))
              .group_by(c.urgency, c.channel, c.language))

    ranked = []
    for measure, at in (("triage", c.first_status), ("reply", c.first_reply)):
        hours = _hours(at, c.received_at, postgres)
        for scope in (c.urgency, literal("")):
            partition = [c.urgency] if scope is c.urgency else []
            ranked.append(select(
                literal(measure).label("measure"), scope.label("urgency"), hours.label("v"),
                (func.row_number().over(partition_by=partition, order_by=hours) - 1).label("i"),
                func.count().over(partition_by=partition).label("n"),
            ).where(at.is_not(None)))
    r = union_all(*ranked).subquery("ranked").c
    wanted = [r.i == (r.n - 1) * tenths // 10 + step for tenths in (MEDIAN, P90) for step in (0, 1)]
    quantiles = select(r.measure, r.urgency, r.i, r.n, r.v).where(or_(*wanted))

    by_channel: dict[str, int] = defaultdict(int)
    by_language: dict[str, int] = defaultdict(int)
    per_urgency: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # cases, met, breached
    followed = 0
    ranks: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    sizes: dict[tuple[str, str], int] = {}
    async with db.reading() as session:
        for urgency, ch, lang, n, fol, m, b in await session.execute(counts):
            by_channel[ch] += n
            by_language[lang] += n
            followed += int(fol or 0)
            for key in (urgency, ""):
                per_urgency[key][0] += n
                per_urgency[key][1] += int(m or 0)
                per_urgency[key][2] += int(b or 0)
        for measure, urgency, i, n, v in await session.execute(quantiles):
            ranks[(measure, urgency)][int(i)] = float(v)
            sizes[(measure, urgency)] = int(n)

    def q(measure: str, urgency: str, tenths: int) -> float | None:
        n = sizes.get((measure, urgency), 0)
        return _quantile(ranks[(measure, urgency)], n, tenths) if n >= k else None

    rows = []
    for urgency in (*URGENCIES, ""):
        n, m, b = per_urgency[urgency]
        rows.append(Casework(
            urgency=urgency, cases=stats.suppress(n, k),
            triage_median_hours=q("triage", urgency, MEDIAN), triage_p90_hours=q("triage", urgency, P90),
            reply_median_hours=q("reply", urgency, MEDIAN), reply_p90_hours=q("reply", urgency, P90),
            sla_met=stats.suppress(m, k), sla_breached=stats.suppress(b, k), sla_pending=stats.suppress(n - m - b, k),
            compliance=stats.shown_rate(m, m + b, k)))
    return CaseFigures(by_channel=dict(by_channel), by_language=dict(by_language), followed=followed,
                       casework=rows)
