"""SLA deadlines: clock hours for immediate, Ottawa business days with federal holidays otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalement.settings import load_settings
from signalement.triage import sla_due, sla_due_for
from signalement.triage.sla import (
    BUSINESS_CLOSES,
    BUSINESS_OPENS,
    BUSINESS_TZ,
    NaiveDatetimeError,
    UnknownUrgencyError,
    is_business_day,
)

OTTAWA = ZoneInfo("America/Toronto")


def ottawa(*args: int) -> datetime:
    return datetime(*args, tzinfo=OTTAWA)


def due(urgency: str, received: datetime, **kw: int) -> datetime:
    return sla_due(urgency, received.astimezone(UTC), **kw).astimezone(OTTAWA)


def test_immediate_is_due_24_elapsed_hours_later_even_on_a_weekend():
    received = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # a Saturday night in Ottawa
    assert sla_due("immediate", received) == received + timedelta(hours=24)


def test_immediate_counts_real_hours_across_the_spring_daylight_change():
    received = ottawa(2026, 3, 7, 12, 0)  # the clocks go forward on Sunday 8 March
    assert sla_due("immediate", received.astimezone(UTC)) - received == timedelta(hours=24)
    assert due("immediate", received) == ottawa(2026, 3, 8, 13, 0)


def test_high_received_on_a_friday_afternoon_is_due_tuesday_same_time():
    assert due("high", ottawa(2026, 11, 20, 15, 0)) == ottawa(2026, 11, 24, 15, 0)


def test_a_report_received_on_a_weekend_starts_monday_morning():
    assert due("high", ottawa(2026, 11, 21, 10, 0)) == ottawa(2026, 11, 25, 9, 0)


def test_a_report_received_after_hours_starts_the_next_business_morning():
    assert due("high", ottawa(2026, 11, 19, 18, 30)) == ottawa(2026, 11, 24, 9, 0)


def test_a_report_received_before_opening_starts_at_opening():
    assert due("high", ottawa(2026, 11, 24, 7, 0)) == ottawa(2026, 11, 26, 9, 0)


def test_canada_day_is_not_a_business_day():
    assert not is_business_day(datetime(2026, 7, 1).date())
    assert due("high", ottawa(2026, 6, 30, 16, 0)) == ottawa(2026, 7, 3, 16, 0)
    assert due("high", ottawa(2026, 7, 1, 10, 0)) == ottawa(2026, 7, 6, 9, 0)


def test_christmas_boxing_day_and_new_year_are_skipped_with_observed_dates():
    # 2026: Christmas Friday, Boxing Day Saturday observed Monday 28, New Year Friday.
    assert due("high", ottawa(2026, 12, 24, 10, 0)) == ottawa(2026, 12, 30, 10, 0)
    assert due("standard", ottawa(2026, 12, 24, 10, 0)) == ottawa(2027, 1, 12, 10, 0)


def test_remembrance_day_is_a_federal_holiday():
    assert due("high", ottawa(2026, 11, 10, 10, 0)) == ottawa(2026, 11, 13, 10, 0)


def test_a_provincial_only_holiday_is_a_business_day():
    # Family Day (Ontario, February) is not a federal statutory holiday.
    assert is_business_day(datetime(2027, 2, 15).date())


def test_business_deadlines_keep_their_local_time_across_daylight_changes():
    spring = due("high", ottawa(2027, 3, 12, 16, 0))  # clocks go forward Sunday 14 March 2027
    autumn = due("high", ottawa(2026, 10, 30, 16, 0))  # clocks go back Sunday 1 November 2026
    assert (spring, autumn) == (ottawa(2027, 3, 16, 16, 0), ottawa(2026, 11, 3, 16, 0))
    assert sla_due("high", ottawa(2027, 3, 12, 16, 0).astimezone(UTC)).hour == 20  # EDT
    assert sla_due("high", ottawa(2026, 10, 30, 16, 0).astimezone(UTC)).hour == 21  # EST


def test_the_deadlines_are_settings():
    settings = load_settings({}, sla_high_business_days=5, sla_immediate_hours=6)
    received = ottawa(2026, 11, 20, 15, 0).astimezone(UTC)
    assert sla_due_for(settings, "high", received).astimezone(OTTAWA) == ottawa(2026, 11, 27, 15, 0)
    assert sla_due_for(settings, "immediate", received) == received + timedelta(hours=6)


def test_the_result_does_not_depend_on_the_time_zone_of_the_input():
    instant = ottawa(2026, 11, 20, 15, 0)
    assert sla_due("standard", instant) == sla_due("standard", instant.astimezone(UTC))
    assert sla_due("standard", instant).tzinfo is UTC


def test_a_naive_receipt_time_is_refused():
    with pytest.raises(NaiveDatetimeError):
        sla_due("high", datetime(2026, 11, 20, 15, 0))


def test_an_unknown_urgency_is_refused():
    with pytest.raises(UnknownUrgencyError):
        sla_due("urgent", datetime(2026, 11, 20, 15, 0, tzinfo=UTC))


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)),
    st.sampled_from(["high", "standard"]),
)
def test_business_deadlines_fall_on_a_business_day_within_business_hours(received, urgency):
    deadline = sla_due(urgency, received)
    local = deadline.astimezone(BUSINESS_TZ)
    assert deadline > received
    assert is_business_day(local.date())
    assert BUSINESS_OPENS <= local.time().replace(tzinfo=None) < BUSINESS_CLOSES
    assert sla_due("standard", received) >= sla_due("high", received)
