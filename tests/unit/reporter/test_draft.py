"""The report's steps: every move a page can ask for, checked against a table written out by hand."""

from __future__ import annotations

import itertools

import msgspec
import pytest

from signalement.receipts import damm_valid
from signalement.reporter.draft import (
    EDITABLE,
    STEPS,
    TRANSITIONS,
    Action,
    IllegalMoveError,
    Move,
    StagedFile,
    Step,
    advance,
    new_draft,
    step_number,
)

W, D, WH, WHO, S, E, C, R, DONE = (
    Step.WHAT,
    Step.DANGER,
    Step.WHERE,
    Step.WHO,
    Step.STORY,
    Step.EVIDENCE,
    Step.CONTACT,
    Step.REVIEW,
    Step.DONE,
)
# (step, action, target) -> step. Anything not listed must be refused.
EXPECTED = {
    (W, Action.NEXT, None): D,
    (W, Action.STAY, None): W,
    (W, Action.REVIEW, None): R,
    (D, Action.NEXT, None): WH,
    (D, Action.BACK, None): W,
    (D, Action.STAY, None): D,
    (D, Action.REVIEW, None): R,
    (WH, Action.NEXT, None): WHO,
    (WH, Action.BACK, None): D,
    (WH, Action.STAY, None): WH,
    (WH, Action.REVIEW, None): R,
    (WHO, Action.NEXT, None): S,
    (WHO, Action.BACK, None): WH,
    (WHO, Action.STAY, None): WHO,
    (WHO, Action.REVIEW, None): R,
    (S, Action.NEXT, None): E,
    (S, Action.BACK, None): WHO,
    (S, Action.STAY, None): S,
    (S, Action.REVIEW, None): R,
    (E, Action.NEXT, None): C,
    (E, Action.BACK, None): S,
    (E, Action.STAY, None): E,
    (E, Action.REVIEW, None): R,
    (E, Action.REMOVE, None): E,
    (C, Action.NEXT, None): R,
    (C, Action.BACK, None): E,
    (C, Action.STAY, None): C,
    (C, Action.REVIEW, None): R,
    (R, Action.BACK, None): C,
    (R, Action.STAY, None): R,
    (R, Action.SUBMIT, None): DONE,
    (R, Action.EDIT, W): W,
    (R, Action.EDIT, D): D,
    (R, Action.EDIT, WH): WH,
    (R, Action.EDIT, WHO): WHO,
    (R, Action.EDIT, S): S,
    (R, Action.EDIT, E): E,
    (R, Action.EDIT, C): C,
    (DONE, Action.STAY, None): DONE,
}
ALL_MOVES = list(itertools.product(Step, Action, [None, *Step]))


def test_the_transition_table_is_exactly_the_one_written_out() -> None:
    assert dict(TRANSITIONS) == EXPECTED


@pytest.mark.parametrize(("step", "action", "target"), ALL_MOVES)
def test_every_move_from_every_step_goes_where_the_table_says_or_is_refused(
    step: Step, action: Action, target: Step | None
) -> None:
    files = (StagedFile(id="f1", kind="image", size=10),)
    draft = msgspec.structs.replace(new_draft(), step=step, reached_review=True, files=files)
    move = Move(action, target=target, index=0 if action is Action.REMOVE else None)
    expected = EXPECTED.get((step, action, target))
    if expected is None:
        with pytest.raises(IllegalMoveError):
            advance(draft, move)
    else:
        assert advance(draft, move) is expected


@pytest.mark.parametrize("step", EDITABLE)
def test_going_straight_to_review_needs_the_review_page_reached_first(step: Step) -> None:
    draft = msgspec.structs.replace(new_draft(), step=step, reached_review=False)
    with pytest.raises(IllegalMoveError):
        advance(draft, Move(Action.REVIEW))


@pytest.mark.parametrize("index", [None, -1, 1, 5])
def test_removing_a_file_that_is_not_there_is_refused(index: int | None) -> None:
    draft = msgspec.structs.replace(
        new_draft(), step=Step.EVIDENCE, files=(StagedFile(id="f1", kind="pdf", size=3),)
    )
    with pytest.raises(IllegalMoveError):
        advance(draft, Move(Action.REMOVE, index=index))


def test_there_are_eight_numbered_steps_in_order() -> None:
    assert [step_number(s) for s in STEPS] == list(range(1, 9))
    assert STEPS[0] is Step.WHAT and STEPS[-1] is Step.REVIEW and Step.DONE not in STEPS


def test_a_new_draft_carries_a_valid_code_and_secret_and_unique_ids() -> None:
    a, b = new_draft(), new_draft()
    assert damm_valid(a.case_code) and len(a.case_code) == 9
    assert damm_valid(a.secret) and len(a.secret) == 16
    assert len({a.case_id, b.case_id}) == 2 and len({a.client_id, b.client_id}) == 2
    assert len("web:" + a.client_id) <= 96
