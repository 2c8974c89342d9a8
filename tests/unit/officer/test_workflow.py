"""The case workflow's transition table, tested for every pair of statuses."""

from __future__ import annotations

import itertools

import pytest

from signalement import i18n
from signalement.db.models import CaseStatus
from signalement.officer.workflow import (
    TRANSITIONS,
    Outcome,
    OutcomeMissingError,
    OutcomeNotAllowedError,
    OutcomeRequiredError,
    TransitionError,
    allowed_next,
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


def test_next_steps_come_in_workflow_order_and_closed_is_never_offered_first() -> None:
    assert allowed_next(S.NEW) == (S.TRIAGED, S.CLOSED)
    assert allowed_next(S.ASSESSING) == (S.REFERRED, S.INSPECTION, S.CLOSED)
    assert allowed_next(S.INSPECTION) == (S.REFERRED, S.CLOSED)
    for status in CaseStatus:
        steps = allowed_next(status)
        assert set(steps) == TRANSITIONS[status]
        assert not steps or steps[0] is not S.CLOSED


def test_each_mistake_has_its_own_error_and_its_own_words_in_both_languages() -> None:
    mistakes = []
    for current, target, outcome, kind in (
        (S.NEW, S.CLOSED, None, OutcomeMissingError),
        (S.NEW, S.TRIAGED, Outcome.DUPLICATE, OutcomeNotAllowedError),
        (S.NEW, S.INSPECTION, None, TransitionError),
        (S.CLOSED, S.ASSESSING, None, TransitionError),
    ):
        with pytest.raises(kind) as caught:
            check_transition(current, target, outcome)
        mistakes.append(caught.value)
    with i18n.using("en", i18n.OFFICER):
        english = [m.explain() for m in mistakes]
    with i18n.using("fr", i18n.OFFICER):
        french = [m.explain() for m in mistakes]
    assert len(set(english)) == len(english) == len(set(french)), (english, french)
    assert "outcome" in english[0] and "“None”" in english[1] and "“Move to”" in english[2]
    assert "final" in english[3]
    assert all(f != e for f, e in zip(french, english, strict=True)), french
    assert "résultat" in french[0].lower()
