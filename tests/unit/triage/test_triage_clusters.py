"""duplicate_likelihood: how likely two reports about one employer are the same events."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from signalement.triage import category_mask, duplicate_likelihood

MASKS = st.integers(min_value=0, max_value=(1 << 20) - 1)
DAYS = st.floats(min_value=-3650, max_value=3650, allow_nan=False)


@given(MASKS, MASKS, DAYS)
def test_the_score_is_a_probability_and_symmetric(a, b, days):
    score = duplicate_likelihood(a, b, days)
    assert 0.0 <= score <= 1.0
    assert score == duplicate_likelihood(b, a, days) == duplicate_likelihood(a, b, -days)


@given(MASKS, MASKS, st.floats(min_value=0, max_value=365), st.floats(min_value=0, max_value=365))
def test_reports_further_apart_are_less_likely_duplicates(a, b, d1, d2):
    near, far = sorted((d1, d2))
    assert duplicate_likelihood(a, b, near) >= duplicate_likelihood(a, b, far)


def test_the_same_categories_on_the_same_day_are_a_certain_match():
    mask = category_mask(["wages", "documents"])
    assert duplicate_likelihood(mask, mask, 0) == 1.0


def test_unrelated_categories_do_not_match():
    assert duplicate_likelihood(category_mask(["wages"]), category_mask(["sexual_abuse"]), 0) == 0.0


def test_overlap_counts_partially_and_fades_with_a_two_week_half_life():
    a, b = category_mask(["wages", "hours_rest"]), category_mask(["wages"])
    assert duplicate_likelihood(a, b, 0) == 0.5
    assert math.isclose(duplicate_likelihood(a, b, 14), 0.25)


def test_a_report_with_only_other_is_half_a_match():
    assert duplicate_likelihood(category_mask(["other"]), category_mask(["wages"]), 0) == 0.5


def test_nonsense_distances_give_no_match():
    assert duplicate_likelihood(1, 1, math.nan) == 0.0
    assert duplicate_likelihood(1, 1, math.inf) == 0.0
