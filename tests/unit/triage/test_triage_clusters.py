"""duplicate_likelihood: how likely two reports are the same events, and what different employers do to that."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from signalement.triage import category_mask, duplicate_likelihood
from signalement.triage.clusters import DIFFERENT_EMPLOYER, LOOKALIKE_CAP

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


SIMILARITY = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(MASKS, MASKS, DAYS)
def test_an_unknown_employer_changes_nothing(a: int, b: int, days: float) -> None:
    assert duplicate_likelihood(a, b, days, None) == duplicate_likelihood(a, b, days)


def test_only_the_same_employer_reaches_one_and_another_employer_is_no_duplicate() -> None:
    mask = category_mask(["wages", "housing"])
    assert duplicate_likelihood(mask, mask, 0, 1.0) == 1.0
    # the same story, a day apart, at another employer ("Ferme Lavoie" for "Ferme Tremblay": about 0.24)
    assert duplicate_likelihood(mask, mask, 1, 0.24) == 0.0
    assert duplicate_likelihood(mask, mask, 0, DIFFERENT_EMPLOYER) == 0.0
    # a spelling variant ("Fermes Tremblay": about 0.7) is likely, never certain
    variant = duplicate_likelihood(mask, mask, 0, 0.7)
    assert variant == LOOKALIKE_CAP < 1.0


@given(MASKS, MASKS, DAYS, SIMILARITY, SIMILARITY)
def test_more_alike_employers_never_score_lower(a: int, b: int, days: float, s1: float, s2: float) -> None:
    low, high = sorted((s1, s2))
    assert duplicate_likelihood(a, b, days, low) <= duplicate_likelihood(a, b, days, high)
    assert 0.0 <= duplicate_likelihood(a, b, days, low) <= 1.0
