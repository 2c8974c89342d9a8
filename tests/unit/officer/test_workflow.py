"""The case workflow's transition table, tested for every pair of statuses."""

from __future__ import annotations

import itertools

import pytest

from signalement.db.models import CaseStatus
from signalement.officer.workflow import (
    TRANSITIONS,
    Outcome,
    OutcomeRequiredError,
    TransitionError,
    check_transition,
)

S = CaseStatus
# Written out by hand, not derived from the code under test.
EXPECTED = {
    (S.NEW, S.TRIAGED),
    (S.NEW, S.CLOSED),
    (S.TRIAGED, S.ASSESSING),
    (S.TRIAGED, S.CLOSED),
    (S.ASSESSING, S.REFERRED),
    (S.ASSESSING, S.INSPECTION),
    (S.ASSESSING, S.CLOSED),
    (S.REFERRED, S.INSPECTION),
    (S.REFERRED, S.CLOSED),
    (S.INSPECTION, S.REFERRED),
    (S.INSPECTION, S.CLOSED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(CaseStatus, CaseStatus)))
def test_every_pair_of_statuses_is_allowed_exactly_when_the_table_says_so(current: S, target: S) -> None:
    outcome = Outcome.DUPLICATE if target is S.CLOSED else None
    if (current, target) in EXPECTED:
        check_transition(current, target, outcome)
    else:
        with pytest.raises(TransitionError):
            check_transition(current, target, outcome)


def test_the_table_covers_every_status_and_closed_is_final() -> None:
    assert set(TRANSITIONS) == set(CaseStatus)
    assert TRANSITIONS[S.CLOSED] == frozenset()
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == EXPECTED


@pytest.mark.parametrize("current", [s for s in CaseStatus if s is not S.CLOSED])
def test_closing_needs_an_outcome(current: S) -> None:
    with pytest.raises(OutcomeRequiredError):
        check_transition(current, S.CLOSED, None)


def test_only_closing_takes_an_outcome() -> None:
    with pytest.raises(OutcomeRequiredError):
        check_transition(S.NEW, S.TRIAGED, Outcome.SUBSTANTIATED)


def test_no_status_moves_to_itself_or_back_to_new() -> None:
    for status in CaseStatus:
        assert status not in TRANSITIONS[status]
        assert S.NEW not in TRANSITIONS[status]
