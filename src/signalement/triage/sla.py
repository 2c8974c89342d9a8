"""Due times for a triaged report: clock hours for ``immediate``, business days otherwise.

Business days are counted on the directorate's calendar: Monday to Friday in
Ottawa (``America/Toronto``), skipping the federal statutory holidays that the
``holidays`` package lists for Canada in its ``government`` category (the Canada
Labour Code general holidays, with their observed dates). Provincial holidays are
not skipped: the queue is national, and a report must not wait longer because it
came from a province with one more holiday.

The business day is 09:00 to 17:00 local time. The clock starts when the report
arrives during those hours; a report received before 09:00 starts at 09:00 that
day, and one received after 17:00, on a weekend or on a holiday starts at 09:00 on
the next business day. The deadline is the same local clock time *N* business days
after the start, so a report received Friday 16:00 with two business days is due
Tuesday 16:00 even across a daylight-saving change. ``immediate`` reports ignore
all of this: they are due a fixed number of elapsed hours after receipt, night,
weekend or holiday, because someone may be in danger now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from signalement.settings import Settings

BUSINESS_TZ = ZoneInfo("America/Toronto")
BUSINESS_OPENS = time(9, 0)
BUSINESS_CLOSES = time(17, 0)
# Far enough for any deadline; bounds the loop on absurd settings.
_MAX_BUSINESS_DAYS = 366


class NaiveDatetimeError(ValueError):
    """A receipt time without a time zone: we cannot tell when it happened."""


class UnknownUrgencyError(ValueError):
    """An urgency level that is not immediate, high or standard."""


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("CA", years=year, categories=("government",))
    return frozenset(calendar)


def is_business_day(day: date) -> bool:
    """A weekday that is not a federal statutory holiday (observed dates included)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_business_day(day: date) -> date:
    """The first business day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int) -> date:
    """The business day ``count`` business days after ``day``."""
    if not 0 <= count <= _MAX_BUSINESS_DAYS:
        raise ValueError(f"business days must be between 0 and {_MAX_BUSINESS_DAYS}")
    for _ in range(count):
        day = next_business_day(day)
    return day


def clock_start(received_at: datetime) -> datetime:
    """When the business-day clock starts for a report received at ``received_at`` (local time)."""
    local = received_at.astimezone(BUSINESS_TZ)
    day, moment = local.date(), local.time().replace(tzinfo=None)
    if is_business_day(day) and moment < BUSINESS_CLOSES:
        if moment >= BUSINESS_OPENS:
            return local
        return datetime.combine(day, BUSINESS_OPENS, tzinfo=BUSINESS_TZ)
    return datetime.combine(next_business_day(day), BUSINESS_OPENS, tzinfo=BUSINESS_TZ)


def sla_due(
    urgency: str,
    received_at: datetime,
    *,
    immediate_hours: int = 24,
    high_business_days: int = 2,
    standard_business_days: int = 10,
) -> datetime:
    """The aware UTC datetime a report of this urgency is due (see the module docstring)."""
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise NaiveDatetimeError("received_at must be timezone-aware (UTC)")
    if urgency == "immediate":
        return received_at.astimezone(UTC) + timedelta(hours=immediate_hours)
    if urgency == "high":
        days = high_business_days
    elif urgency == "standard":
        days = standard_business_days
    else:
        raise UnknownUrgencyError(urgency)
    start = clock_start(received_at)
    # Wall-clock arithmetic in the business zone: the deadline keeps its local time across DST.
    due_day = add_business_days(start.date(), days)
    local_due = datetime.combine(due_day, start.time().replace(tzinfo=None), tzinfo=BUSINESS_TZ)
    return local_due.astimezone(UTC)


def sla_due_for(settings: Settings, urgency: str, received_at: datetime) -> datetime:
    """``sla_due`` with the deadlines configured in ``settings``."""
    return sla_due(
        urgency,
        received_at,
        immediate_hours=settings.sla_immediate_hours,
        high_business_days=settings.sla_high_business_days,
        standard_business_days=settings.sla_standard_business_days,
    )
