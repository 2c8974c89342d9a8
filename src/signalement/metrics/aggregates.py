"""What the research tier shows: funnel, completion, times, errors, satisfaction, mix, case handling.

Everything is computed from ``funnel_days`` and ``funnel_counts`` (aggregate
cells by day, and by hour for the last days not rolled up yet) and from case
*metadata* (channel, language, urgency, coarse times, the SLA due date, when
an officer first changed the status or replied). No case content, no case
id leaves this module, and every number passes through ``stats.suppress`` or
``stats.shown_rate`` on the way out: a cell under ``k`` is ``"<k"`` in every
output, pages and exports alike.

Abandonment on the web is inferred from the funnel: a visit that reached a
step and never reached a later one stopped there. Each visit counts once per
step (``step_reached``, sent the first time the visit gets that far), so the
drop-off at a step is the visits that reached it minus those that reached
the next. Visits still in progress (a draft lives up to four hours) count as
stopped until they finish; channels that know when a conversation ended
(SMS, voice) record ``abandoned`` themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import msgspec
from sqlalchemy import ColumnElement, func, select

from signalement.db.engine import Database
from signalement.db.models import FunnelCount, FunnelDay, utcnow
from signalement.metrics import casework, stats
from signalement.metrics.casework import Casework
from signalement.metrics.experiments import Experiment
from signalement.metrics.stats import Cell

# The web form's steps, in order; other channels' steps are ordered by how many visits reached them.
WEB_STEPS = ("what", "danger", "where", "who", "story", "evidence", "contact", "review")
DIGITAL_CHANNELS = ("web", "sms")


class Filters(msgspec.Struct, frozen=True, kw_only=True):
    since: dt.date
    until: dt.date  # inclusive
    channel: str = ""  # "" for every channel
    language: str = ""

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.since, dt.time(), tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def default_filters(days: int = 90, today: dt.date | None = None) -> Filters:
    today = today or utcnow().date()
    return Filters(since=today - dt.timedelta(days=days - 1), until=today)


class StepRow(msgspec.Struct, frozen=True, kw_only=True):
    step: str
    reached: Cell
    completed: Cell
    dropped: Cell
    drop_rate: float | None
    errors: Cell


class RateRow(msgspec.Struct, frozen=True, kw_only=True):
    channel: str
    language: str
    variant: str
    started: Cell
    submitted: Cell
    rate: float | None
    low: float | None
    high: float | None


class Arm(msgspec.Struct, frozen=True, kw_only=True):
    arm: str
    started: Cell
    submitted: Cell
    rate: float | None
    low: float | None
    high: float | None


class ExperimentResult(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    step: str
    configured: bool
    arms: list[Arm]
    min_sample: int
    enough: bool
    difference: float | None = None
    diff_low: float | None = None
    diff_high: float | None = None


class Times(msgspec.Struct, frozen=True, kw_only=True):
    channel: str
    completed: Cell
    median_minutes: float | None
    p90_minutes: float | None


class FieldErrors(msgspec.Struct, frozen=True, kw_only=True):
    step: str
    field: str
    count: Cell


class Share(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    count: Cell
    share: float | None


class Satisfaction(msgspec.Struct, frozen=True, kw_only=True):
    period: str  # a page name, or the Monday of a week (ISO date)
    yes: Cell
    no: Cell
    share_yes: float | None
    low: float | None
    high: float | None


class Report(msgspec.Struct, frozen=True, kw_only=True):
    since: dt.date
    until: dt.date
    channel: str
    language: str
    k: int
    funnel: list[StepRow]
    completion: list[RateRow]
    overall: RateRow
    experiments: list[ExperimentResult]
    times: list[Times]
    errors: list[FieldErrors]
    satisfaction: list[Satisfaction]
    satisfaction_weeks: list[Satisfaction]
    channel_mix: list[Share]
    language_mix: list[Share]
    digital_share: Share
    followup_visits: Cell
    language_switches: Cell
    followup_cases: Share
    casework: list[Casework]
    cells: list[dict[str, object]]


class _Row(msgspec.Struct, frozen=True, array_like=True):
    event: str
    step: str
    field: str
    channel: str
    language: str
    variant: str
    duration: int
    count: int


def _cell_filters(table: type[FunnelCount] | type[FunnelDay], filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.channel:
        where.append(table.channel == filters.channel)
    if filters.language:
        where.append(table.language == filters.language)
    return where


async def load_rows(db: Database, filters: Filters) -> list[_Row]:
    """Cells in the period, summed over days and hours, in SQL.

    A count lives either in a day cell (``funnel_days``, rolled up) or in an
    hourly cell not rolled up yet (``funnel_counts``), never both
    (``metrics.rollup``): the period's total is the sum of the two sums."""
    d, c = FunnelDay, FunnelCount
    day_key = (d.event, d.step, d.field, d.channel, d.language, d.variant, d.duration)
    hour_key = (c.event, c.step, c.field, c.channel, c.language, c.variant, c.duration)
    days = (select(*day_key, func.sum(d.count))
            .where(d.day >= filters.since, d.day <= filters.until, *_cell_filters(d, filters)).group_by(*day_key))
    hours = (select(*hour_key, func.sum(c.count))
             .where(c.hour >= filters.start, c.hour < filters.end, *_cell_filters(c, filters)).group_by(*hour_key))
    merged: dict[tuple[str, str, str, str, str, str, int], int] = defaultdict(int)
    async with db.reading() as session:
        for query in (days, hours):
            for r in await session.execute(query):
                merged[(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6]))] += int(r[7])
    return [_Row(*key, n) for key, n in merged.items()]


async def load_feedback_weeks(db: Database, filters: Filters) -> dict[tuple[dt.date, str], int]:
    d, c = FunnelDay, FunnelCount
    days = (select(d.day, d.field, func.sum(d.count))
            .where(d.event == "feedback", d.day >= filters.since, d.day <= filters.until, *_cell_filters(d, filters))
            .group_by(d.day, d.field))
    hours = (select(c.hour, c.field, func.sum(c.count))
             .where(c.event == "feedback", c.hour >= filters.start, c.hour < filters.end, *_cell_filters(c, filters))
             .group_by(c.hour, c.field))
    weeks: dict[tuple[dt.date, str], int] = defaultdict(int)
    async with db.reading() as session:
        for query in (days, hours):
            for when, field, n in await session.execute(query):
                day = when.date() if isinstance(when, dt.datetime) else when
                weeks[(day - dt.timedelta(days=day.weekday()), field)] += int(n)
    return weeks


# ---- building the report --------------------------------------------------------------------------


def _sum(rows: Iterable[_Row], **match: str) -> int:
    return sum(r.count for r in rows if all(getattr(r, k) == v for k, v in match.items()))


def _rate_row(started: int, submitted: int, k: int, **keys: str) -> RateRow:
    rate = stats.shown_rate(submitted, started, k)
    low, high = stats.wilson(submitted, started) if rate is not None else (None, None)
    return RateRow(channel=keys.get("channel", ""), language=keys.get("language", ""),
                   variant=keys.get("variant", ""), started=stats.suppress(started, k),
                   submitted=stats.suppress(submitted, k), rate=rate, low=low, high=high)


def _step_order(rows: list[_Row]) -> list[str]:
    reached: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.event == "step_reached":
            reached[r.step] += r.count
    known = [s for s in WEB_STEPS if s in reached]
    others = sorted((s for s in reached if s not in WEB_STEPS), key=lambda s: -reached[s])
    return known + others


def funnel(rows: list[_Row], k: int) -> list[StepRow]:
    order = _step_order(rows)
    reached = {s: _sum(rows, event="step_reached", step=s) for s in order}
    submitted = _sum(rows, event="submitted")
    out = []
    for i, step in enumerate(order):
        after = reached[order[i + 1]] if i + 1 < len(order) else submitted
        explicit = _sum(rows, event="abandoned", step=step)
        dropped = max(0, reached[step] - after) if not explicit else explicit
        out.append(StepRow(step=step, reached=stats.suppress(reached[step], k),
                           completed=stats.suppress(_sum(rows, event="step_completed", step=step), k),
                           dropped=stats.suppress(dropped, k),
                           drop_rate=stats.shown_rate(dropped, reached[step], k),
                           errors=stats.suppress(_sum(rows, event="validation_error", step=step), k)))
    return out


def _started(rows: Iterable[_Row]) -> int:
    """Visits started: the most-reached step of each channel (every visit reaches its first step)."""
    per_channel: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r.event == "step_reached":
            per_channel[r.channel][r.step] += r.count
    return sum(max(steps.values()) for steps in per_channel.values() if steps)


def completion(rows: list[_Row], k: int) -> list[RateRow]:
    groups: dict[tuple[str, str, str], list[_Row]] = defaultdict(list)
    for r in rows:
        groups[(r.channel, r.language, r.variant)].append(r)
    out = []
    for (channel, language, variant), group in sorted(groups.items()):
        out.append(_rate_row(_started(group), _sum(group, event="submitted"), k, channel=channel,
                             language=language, variant=variant))
    return out


def experiments(rows: list[_Row], k: int, configured: Experiment | None, min_sample: int) -> list[ExperimentResult]:
    by_name: dict[str, dict[str, list[_Row]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if ":" in r.variant:
            name, _, arm = r.variant.partition(":")
            by_name[name][arm].append(r)
    if configured is not None:
        for arm in configured.arm_names:
            by_name[configured.name].setdefault(arm, [])
    results = []
    for name, arms in sorted(by_name.items()):
        is_configured = configured is not None and configured.name == name
        order = list(configured.arm_names) if is_configured and configured else []
        order += sorted(a for a in arms if a not in order)
        counts = [(arm, _started(arms[arm]), _sum(arms[arm], event="submitted")) for arm in order]
        shown = []
        for arm, started, submitted in counts:
            rate = stats.shown_rate(submitted, started, k)
            low, high = stats.wilson(submitted, started) if rate is not None else (None, None)
            shown.append(Arm(arm=arm, started=stats.suppress(started, k), submitted=stats.suppress(submitted, k),
                             rate=rate, low=low, high=high))
        enough = len(counts) >= 2 and all(s >= max(min_sample, k) for _, s, _ in counts) and all(
            a.rate is not None for a in shown)
        result = ExperimentResult(name=name, step=configured.step if is_configured and configured else "",
                                  configured=is_configured, arms=shown, min_sample=min_sample, enough=enough)
        if enough:
            (_, n1, s1), (_, n2, s2) = counts[0], counts[1]
            d, lo, hi = stats.difference_interval(s1, n1, s2, n2)
            result = msgspec.structs.replace(result, difference=d, diff_low=lo, diff_high=hi)
        results.append(result)
    return results


def times(rows: list[_Row], k: int) -> list[Times]:
    per_channel: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r.event == "submitted" and r.duration > 0:
            per_channel[r.channel][r.duration] += r.count
            per_channel[""][r.duration] += r.count
    out = []
    for channel, hist in sorted(per_channel.items()):
        n = sum(hist.values())
        small = n < k
        out.append(Times(channel=channel, completed=stats.suppress(n, k),
                         median_minutes=None if small else stats.quantile_from_buckets(hist, 0.5),
                         p90_minutes=None if small else stats.quantile_from_buckets(hist, 0.9)))
    return out


def field_errors(rows: list[_Row], k: int) -> list[FieldErrors]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        if r.event == "validation_error":
            counts[(r.step, r.field)] += r.count
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [FieldErrors(step=s, field=f, count=stats.suppress(n, k)) for (s, f), n in ordered]


def _satisfaction(period: str, yes: int, no: int, k: int) -> Satisfaction:
    share = stats.shown_rate(yes, yes + no, k)
    low, high = stats.wilson(yes, yes + no) if share is not None else (None, None)
    return Satisfaction(period=period, yes=stats.suppress(yes, k), no=stats.suppress(no, k), share_yes=share,
                        low=low, high=high)


def satisfaction(rows: list[_Row], k: int) -> list[Satisfaction]:
    pages = sorted({r.step for r in rows if r.event == "feedback"})
    out = [_satisfaction(p, _sum(rows, event="feedback", step=p, field="yes"),
                         _sum(rows, event="feedback", step=p, field="no"), k) for p in pages]
    out.append(_satisfaction("", _sum(rows, event="feedback", field="yes"), _sum(rows, event="feedback", field="no"),
                             k))
    return out


def satisfaction_by_week(weeks: dict[tuple[dt.date, str], int], k: int) -> list[Satisfaction]:
    mondays = sorted({w for w, _ in weeks})
    return [_satisfaction(m.isoformat(), weeks.get((m, "yes"), 0), weeks.get((m, "no"), 0), k) for m in mondays]


def shares(counts: dict[str, int], k: int) -> list[Share]:
    total = sum(counts.values())
    return [Share(key=key, count=stats.suppress(n, k), share=stats.shown_rate(n, total, k))
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def export_cells(rows: list[_Row], k: int) -> list[dict[str, object]]:
    """The aggregate cells behind the report (summed over the period), each suppressed."""
    merged: dict[tuple[str, str, str, str, str, str, int], int] = defaultdict(int)
    for r in rows:
        merged[(r.event, r.step, r.field, r.channel, r.language, r.variant, r.duration)] += r.count
    return [
        {"event": e, "step": s, "field": f, "channel": c, "language": lang, "variant": v, "duration": d,
         "count": stats.suppress(n, k)}
        for (e, s, f, c, lang, v, d), n in sorted(merged.items())
    ]


async def build_report(db: Database, filters: Filters, *, k: int, experiment: Experiment | None,
                       min_sample: int, now: dt.datetime | None = None) -> Report:
    rows = await load_rows(db, filters)
    weeks = await load_feedback_weeks(db, filters)
    cases = await casework.load(db, filters.start, filters.end, channel=filters.channel, language=filters.language,
                                now=now or utcnow(), k=k)
    digital = sum(n for ch, n in cases.by_channel.items() if ch in DIGITAL_CHANNELS)
    return Report(
        since=filters.since, until=filters.until, channel=filters.channel, language=filters.language, k=k,
        funnel=funnel([r for r in rows if r.channel == (filters.channel or "web")], k),
        completion=completion(rows, k),
        overall=_rate_row(_started(rows), _sum(rows, event="submitted"), k),
        experiments=experiments(rows, k, experiment, min_sample),
        times=times(rows, k),
        errors=field_errors(rows, k),
        satisfaction=satisfaction(rows, k),
        satisfaction_weeks=satisfaction_by_week(weeks, k),
        channel_mix=shares(cases.by_channel, k),
        language_mix=shares(cases.by_language, k),
        digital_share=Share(key="digital", count=stats.suppress(digital, k),
                            share=stats.shown_rate(digital, cases.total, k)),
        followup_visits=stats.suppress(_sum(rows, event="followup_used"), k),
        language_switches=stats.suppress(_sum(rows, event="language_switched"), k),
        followup_cases=Share(key="followup", count=stats.suppress(cases.followed, k),
                             share=stats.shown_rate(cases.followed, cases.total, k)),
        casework=cases.casework,
        cells=export_cells(rows, k),
    )
