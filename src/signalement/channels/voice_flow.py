"""The phone call as an explicit state machine: steps, events and one transition table.

A call goes through the keypad menus (language, report or follow-up, what happened, danger now,
province), then a recorded statement, after which the report is filed and the receipt read
back; or, for follow-up, a case code then a secret, then the status. ``TRANSITIONS`` is total
over every (step, event) pair; ``tests/unit/channels/test_voice_flow.py`` walks all of them.
Reading keypad digits into an event and acting on it is ``channels.voice``.
"""

from __future__ import annotations

import enum
from types import MappingProxyType


class Step(enum.StrEnum):
    LANGUAGE = "language"  # the call was answered: the language menu is playing
    MENU = "menu"  # report (1) or follow up (2)
    CATEGORY = "category"
    DANGER = "danger"
    ADVICE = "advice"  # "call 911 now"; 1 to go on with the report
    PROVINCE = "province"
    STATEMENT = "statement"  # <Record> is running
    RECEIPT = "receipt"  # filed: code and secret read back; 1 to hear them again
    CODE = "code"  # follow-up: enter the case code
    # A step name, not a password.
    SECRET = "secret"  # noqa: S105  # nosec B105 - follow-up: enter the secret
    FOLLOWUP = "followup"  # the status was read; 1 to hear it again
    ENDED = "ended"  # terminal: the call row is deleted


class Event(enum.StrEnum):
    ANSWER = "answer"  # usable digits for this question (at STATEMENT: a recording, and the report filed)
    ALTERNATE = "alternate"  # the other branch: follow-up at MENU, yes or not sure at DANGER
    REPEAT = "repeat"  # 1 at RECEIPT or FOLLOWUP: hear it again
    REJECTED = "rejected"  # a case code and secret that did not open a case: start again from the code
    INVALID = "invalid"  # garbage, # alone, or silence: ask the same question again, keeping every answer
    GIVE_UP = "give_up"  # too many misses, or too many follow-up tries: goodbye
    HANGUP = "hangup"  # the caller hung up (call status callback, or <Record> ended by hanging up)


ACTIVE = tuple(s for s in Step if s is not Step.ENDED)
NEXT_QUESTION = {
    Step.LANGUAGE: Step.MENU, Step.MENU: Step.CATEGORY, Step.CATEGORY: Step.DANGER, Step.DANGER: Step.PROVINCE,
    Step.ADVICE: Step.PROVINCE, Step.PROVINCE: Step.STATEMENT, Step.STATEMENT: Step.RECEIPT,
    Step.RECEIPT: Step.ENDED, Step.CODE: Step.SECRET, Step.SECRET: Step.FOLLOWUP, Step.FOLLOWUP: Step.ENDED,
}


def _table() -> dict[tuple[Step, Event], Step]:
    table: dict[tuple[Step, Event], Step] = {}
    for step in ACTIVE:
        # Defaults that hold everywhere: an event that makes no sense here is garbage (it never
        # advances); giving up and hanging up end the call.
        for event in Event:
            table[step, event] = step
        table[step, Event.GIVE_UP] = Step.ENDED
        table[step, Event.HANGUP] = Step.ENDED
        table[step, Event.ANSWER] = NEXT_QUESTION[step]
    table[Step.MENU, Event.ALTERNATE] = Step.CODE
    table[Step.DANGER, Event.ALTERNATE] = Step.ADVICE
    table[Step.SECRET, Event.REJECTED] = Step.CODE
    return table


TRANSITIONS = MappingProxyType(_table())


def advance(step: Step, event: Event) -> Step:
    """The step after ``event`` at ``step``. ``ENDED`` has no way out."""
    return TRANSITIONS[step, event]
