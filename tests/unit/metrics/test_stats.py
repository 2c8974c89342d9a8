"""Suppression, Wilson intervals and quantiles from buckets."""

from __future__ import annotations

import pytest

from signalement.metrics import stats
from signalement.metrics.events import DURATION_EDGES, bucket_bounds, duration_bucket


def test_a_cell_under_k_is_a_string_and_zero_stays_zero() -> None:
    assert [stats.suppress(n, 10) for n in (0, 1, 9, 10, 11)] == [0, "<10", "<10", 10, 11]


def test_a_rate_is_withheld_when_its_numerator_base_or_complement_is_a_small_cell() -> None:
    assert stats.shown_rate(5, 100, 10) is None  # numerator
    assert stats.shown_rate(50, 9, 10) is None  # base
    assert stats.shown_rate(95, 100, 10) is None  # the 5 who did not would follow
    assert stats.shown_rate(0, 100, 10) == 0.0
    assert stats.shown_rate(40, 100, 10) == 0.4


def test_wilson_matches_a_known_value_and_stays_inside_zero_one() -> None:
    low, high = stats.wilson(81, 263)  # Newcombe (1998) example: 0.2553 to 0.3662
    assert low == pytest.approx(0.2553, abs=1e-3) and high == pytest.approx(0.3662, abs=1e-3)
    assert stats.wilson(0, 20)[0] == 0.0 and stats.wilson(20, 20)[1] == pytest.approx(1.0)


def test_the_difference_interval_contains_the_difference() -> None:
    d, low, high = stats.difference_interval(40, 100, 60, 100)
    assert d == pytest.approx(0.2) and low < 0.2 < high and low > 0


def test_durations_fall_in_their_buckets_and_quantiles_interpolate() -> None:
    assert duration_bucket(30) == 1 and duration_bucket(61) == 2 and duration_bucket(10**6) == len(DURATION_EDGES) + 1
    assert bucket_bounds(2) == (1.0, 2.0)
    histogram = {duration_bucket(60 * 4): 50, duration_bucket(60 * 12): 50}  # 3-5 and 10-15 minutes
    assert stats.quantile_from_buckets(histogram, 0.5) == pytest.approx(5.0)
    assert 10 < stats.quantile_from_buckets(histogram, 0.9) <= 15
    assert stats.quantile_from_buckets({}, 0.5) is None
