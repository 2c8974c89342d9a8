"""The SMS conversation's transition table, walked exhaustively: every step, every event."""

from __future__ import annotations

import pytest

from signalement.channels.sms_flow import ACTIVE, NEXT_QUESTION, TRANSITIONS, Event, Step, advance

ORDER = [Step.CATEGORY, Step.DANGER, Step.PROVINCE, Step.EMPLOYER, Step.STORY, Step.CONTACT, Step.CONFIRM]

# The whole table, written out: (step, event) -> next step. Any change to the machine changes this.
EXPECTED: dict[tuple[Step, Event], Step] = {}
for _step in ACTIVE:
    for _event in Event:
        EXPECTED[_step, _event] = _step
    EXPECTED[_step, Event.STOP] = Step.ENDED
for _step in (Step.START, Step.LANGUAGE):
    EXPECTED.update({(_step, Event.ANSWER): Step.CATEGORY, (_step, Event.RECEIPT): Step.FOLLOWUP,
                     (_step, Event.HELP): Step.LANGUAGE, (_step, Event.INVALID): Step.LANGUAGE})
EXPECTED.update({
    (Step.CATEGORY, Event.ANSWER): Step.DANGER,
    (Step.DANGER, Event.ANSWER): Step.PROVINCE,
    (Step.PROVINCE, Event.ANSWER): Step.EMPLOYER,
    (Step.EMPLOYER, Event.ANSWER): Step.STORY,
    (Step.STORY, Event.ANSWER): Step.STORY,
    (Step.STORY, Event.FINISH): Step.CONTACT,
    (Step.CONTACT, Event.ANSWER): Step.CONFIRM,
    (Step.CONFIRM, Event.FINISH): Step.ENDED,
    (Step.CONFIRM, Event.CANCEL): Step.ENDED,
    (Step.FOLLOWUP, Event.ANSWER): Step.FOLLOWUP,
    (Step.FOLLOWUP, Event.FINISH): Step.FOLLOWUP,
    (Step.FOLLOWUP, Event.CANCEL): Step.ENDED,
})


@pytest.mark.parametrize(("step", "event"), [(s, e) for s in ACTIVE for e in Event])
def test_every_step_and_event_has_exactly_the_expected_next_step(step: Step, event: Event) -> None:
    assert advance(step, event) is EXPECTED[step, event]


def test_the_table_is_total_over_active_steps_and_ended_has_no_way_out() -> None:
    assert set(TRANSITIONS) == {(s, e) for s in ACTIVE for e in Event}
    assert all((Step.ENDED, e) not in TRANSITIONS for e in Event)
    with pytest.raises(KeyError):
        advance(Step.ENDED, Event.ANSWER)


def test_stop_ends_from_every_step_and_help_or_garbage_never_advance_a_question() -> None:
    for step in ACTIVE:
        assert advance(step, Event.STOP) is Step.ENDED
        if step not in (Step.START, Step.LANGUAGE):
            assert advance(step, Event.HELP) is step
            assert advance(step, Event.INVALID) is step


def test_the_questions_come_in_the_web_forms_order_and_every_step_is_reachable() -> None:
    step = Step.START
    seen = [step]
    step = advance(step, Event.ANSWER)
    while step is not Step.CONFIRM:
        seen.append(step)
        step = advance(step, Event.FINISH if step is Step.STORY else Event.ANSWER)
    assert seen[1:] == ORDER[:-1]
    assert list(NEXT_QUESTION) == [s for s in ORDER if s not in (Step.STORY, Step.CONFIRM)]
    reachable = {Step.START}
    frontier = [Step.START]
    while frontier:
        here = frontier.pop()
        for event in Event:
            nxt = TRANSITIONS.get((here, event))
            if nxt is not None and nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(Step)
