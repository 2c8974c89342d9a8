"""The phone call's transition table, walked exhaustively: every step, every event."""

from __future__ import annotations

import pytest

from signalement.channels.voice_flow import ACTIVE, NEXT_QUESTION, TRANSITIONS, Event, Step, advance

REPORT = [Step.LANGUAGE, Step.MENU, Step.CATEGORY, Step.DANGER, Step.PROVINCE, Step.STATEMENT, Step.RECEIPT]
FOLLOWUP = [Step.LANGUAGE, Step.MENU, Step.CODE, Step.SECRET, Step.FOLLOWUP]

# The whole table, written out: (step, event) -> next step. Any change to the machine changes this.
EXPECTED: dict[tuple[Step, Event], Step] = {}
for _step in ACTIVE:
    for _event in Event:
        EXPECTED[_step, _event] = _step
    EXPECTED[_step, Event.GIVE_UP] = Step.ENDED
    EXPECTED[_step, Event.HANGUP] = Step.ENDED
EXPECTED.update({
    (Step.LANGUAGE, Event.ANSWER): Step.MENU,
    (Step.MENU, Event.ANSWER): Step.CATEGORY,
    (Step.MENU, Event.ALTERNATE): Step.CODE,
    (Step.CATEGORY, Event.ANSWER): Step.DANGER,
    (Step.DANGER, Event.ANSWER): Step.PROVINCE,
    (Step.DANGER, Event.ALTERNATE): Step.ADVICE,
    (Step.ADVICE, Event.ANSWER): Step.PROVINCE,
    (Step.PROVINCE, Event.ANSWER): Step.STATEMENT,
    (Step.STATEMENT, Event.ANSWER): Step.RECEIPT,
    (Step.RECEIPT, Event.ANSWER): Step.ENDED,
    (Step.CODE, Event.ANSWER): Step.SECRET,
    (Step.SECRET, Event.ANSWER): Step.FOLLOWUP,
    (Step.SECRET, Event.REJECTED): Step.CODE,
    (Step.FOLLOWUP, Event.ANSWER): Step.ENDED,
})


@pytest.mark.parametrize(("step", "event"), [(s, e) for s in ACTIVE for e in Event])
def test_every_step_and_event_has_exactly_the_expected_next_step(step: Step, event: Event) -> None:
    assert advance(step, event) is EXPECTED[step, event]


def test_the_table_is_total_over_active_steps_and_ended_has_no_way_out() -> None:
    assert set(TRANSITIONS) == {(s, e) for s in ACTIVE for e in Event}
    assert all((Step.ENDED, e) not in TRANSITIONS for e in Event)
    with pytest.raises(KeyError):
        advance(Step.ENDED, Event.ANSWER)


def test_garbage_and_repeat_never_advance_and_hanging_up_ends_from_every_step() -> None:
    for step in ACTIVE:
        assert advance(step, Event.INVALID) is step
        assert advance(step, Event.REPEAT) is step
        assert advance(step, Event.HANGUP) is Step.ENDED and advance(step, Event.GIVE_UP) is Step.ENDED


def test_a_report_and_a_follow_up_go_in_order_and_every_step_is_reachable() -> None:
    for path, branch in ((REPORT, {}), (FOLLOWUP, {Step.MENU: Event.ALTERNATE})):
        step = path[0]
        seen = [step]
        while step is not path[-1]:
            step = advance(step, branch.get(step, Event.ANSWER))
            seen.append(step)
        assert seen == path
    assert advance(Step.DANGER, Event.ALTERNATE) is Step.ADVICE and advance(Step.ADVICE, Event.ANSWER) is Step.PROVINCE
    assert set(NEXT_QUESTION) == set(ACTIVE)
    reachable, frontier = {Step.LANGUAGE}, [Step.LANGUAGE]
    while frontier:
        here = frontier.pop()
        for event in Event:
            nxt = TRANSITIONS.get((here, event))
            if nxt is not None and nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(Step)
