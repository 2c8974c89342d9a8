"""The SMS conversation as an explicit state machine: steps, events and one transition table.

A conversation moves through the same questions as the web form (language, what happened,
danger now, province, employer, the reporter's own words, whether we may text back, confirm),
or, after a case code and secret, into follow-up. ``TRANSITIONS`` is total over every
(step, event) pair; ``tests/unit/channels/test_sms_flow.py`` walks all of them. Reading a
message into an event is ``channels.sms_input``; acting on it is ``channels.sms``.
"""

from __future__ import annotations

import enum
from types import MappingProxyType


class Step(enum.StrEnum):
    START = "start"  # no conversation yet (or it timed out): nothing is stored for this number
    LANGUAGE = "language"  # the numbered language menu was sent
    CATEGORY = "category"
    DANGER = "danger"
    PROVINCE = "province"
    EMPLOYER = "employer"
    STORY = "story"
    CONTACT = "contact"
    CONFIRM = "confirm"
    FOLLOWUP = "followup"  # opened with a case code and secret
    ENDED = "ended"  # terminal: the session row is deleted (filed, cancelled, STOP, follow-up closed)


class Event(enum.StrEnum):
    ANSWER = "answer"  # a usable answer to the current question
    FINISH = "finish"  # "1" where it means done: story written, report confirmed, read the latest reply
    CANCEL = "cancel"  # "2" at the confirmation, "0" in follow-up
    RECEIPT = "receipt"  # a case code and secret that opened a case (in follow-up: STATUS, its status again)
    HELP = "help"  # HELP, AIDE, INFO: say who we are, then ask again
    INVALID = "invalid"  # nothing we can use: ask again, calmly, keeping what we have
    STOP = "stop"  # STOP, ARRET, ALTO...: end and delete everything at once


ACTIVE = tuple(s for s in Step if s is not Step.ENDED)
NEXT_QUESTION = {
    Step.CATEGORY: Step.DANGER, Step.DANGER: Step.PROVINCE, Step.PROVINCE: Step.EMPLOYER,
    Step.EMPLOYER: Step.STORY, Step.CONTACT: Step.CONFIRM,
}


def _table() -> dict[tuple[Step, Event], Step]:
    table: dict[tuple[Step, Event], Step] = {}
    for step in ACTIVE:
        # Defaults that hold everywhere: STOP ends; help and garbage ask the same question again;
        # an event that makes no sense at this step is treated as garbage (it never advances).
        for event in Event:
            table[step, event] = step
        table[step, Event.STOP] = Step.ENDED
    for step in (Step.START, Step.LANGUAGE):
        table[step, Event.ANSWER] = Step.CATEGORY
        table[step, Event.RECEIPT] = Step.FOLLOWUP
        table[step, Event.HELP] = Step.LANGUAGE
        table[step, Event.INVALID] = Step.LANGUAGE
    for asked, nxt in NEXT_QUESTION.items():
        table[asked, Event.ANSWER] = nxt
    table[Step.STORY, Event.ANSWER] = Step.STORY  # one more message of their own words
    table[Step.STORY, Event.FINISH] = Step.CONTACT
    table[Step.CONFIRM, Event.FINISH] = Step.ENDED  # filed: the receipt is the reply
    table[Step.CONFIRM, Event.CANCEL] = Step.ENDED  # deleted, nothing filed
    table[Step.FOLLOWUP, Event.ANSWER] = Step.FOLLOWUP  # added to the case
    table[Step.FOLLOWUP, Event.FINISH] = Step.FOLLOWUP  # read the latest officer message
    table[Step.FOLLOWUP, Event.CANCEL] = Step.ENDED
    return table


TRANSITIONS = MappingProxyType(_table())


def advance(step: Step, event: Event) -> Step:
    """The step after ``event`` at ``step``. ``ENDED`` has no way out: a new text starts afresh."""
    return TRANSITIONS[step, event]
