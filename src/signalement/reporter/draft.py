"""The report in progress and the steps it moves through.

A ``Draft`` is everything the reporter has told us so far, plus what makes
submitting it idempotent: the case id, case code and secret are chosen when
the report starts, so a double tap, a reload or a lost response after
"Send" shows the same receipt and never files a second case. It lives only
in the reporter's page, sealed (``sealing``); the server keeps nothing.

The steps are an explicit state machine: ``TRANSITIONS`` lists every move a
page can ask for, and anything else is refused.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from types import MappingProxyType

import msgspec

from signalement.db.models import new_id
from signalement.errors import SignalementError
from signalement.receipts import new_case_code, new_secret


class Step(enum.StrEnum):
    WHAT = "what"
    DANGER = "danger"
    WHERE = "where"
    WHO = "who"
    STORY = "story"
    EVIDENCE = "evidence"
    CONTACT = "contact"
    REVIEW = "review"
    DONE = "done"  # the receipt: the case is committed


# The numbered steps, in order ("Step 3 of 8").
STEPS: tuple[Step, ...] = tuple(s for s in Step if s is not Step.DONE)
# Steps whose answers the review page lists, each with a "Change" button.
EDITABLE: tuple[Step, ...] = STEPS[:-1]


def step_number(step: Step) -> int:
    return STEPS.index(step) + 1


class Action(enum.StrEnum):
    NEXT = "next"  # save this step (required answers enforced) and go on
    BACK = "back"  # save what is typed (only format checks) and go back
    STAY = "stay"  # save and show this step again: a language switch, or after removing a file
    REVIEW = "review"  # save and return to the review page (after "Change")
    EDIT = "edit"  # from the review page, open one step
    REMOVE = "remove"  # remove a staged file (evidence step)
    SUBMIT = "submit"  # send the report


class Move(msgspec.Struct, frozen=True):
    action: Action
    target: Step | None = None  # which step to edit
    index: int | None = None  # which file to remove


class IllegalMoveError(SignalementError):
    """The page asked for a move that its step does not offer."""


def _build() -> Mapping[tuple[Step, Action, Step | None], Step]:
    table: dict[tuple[Step, Action, Step | None], Step] = {}
    for i, step in enumerate(STEPS):
        table[(step, Action.STAY, None)] = step
        if i > 0:
            table[(step, Action.BACK, None)] = STEPS[i - 1]
        if step is not Step.REVIEW:
            table[(step, Action.NEXT, None)] = STEPS[i + 1]
            table[(step, Action.REVIEW, None)] = Step.REVIEW
    for target in EDITABLE:
        table[(Step.REVIEW, Action.EDIT, target)] = target
    table[(Step.EVIDENCE, Action.REMOVE, None)] = Step.EVIDENCE
    table[(Step.REVIEW, Action.SUBMIT, None)] = Step.DONE
    table[(Step.DONE, Action.STAY, None)] = Step.DONE
    return MappingProxyType(table)


TRANSITIONS = _build()


class StagedFile(msgspec.Struct, frozen=True):
    """An uploaded file, already sanitised and encrypted in the database, waiting for the case."""

    id: str
    kind: str  # image | pdf
    size: int


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    case_id: str
    client_id: str  # the submission id: "web:<client_id>" is UNIQUE among cases
    case_code: str
    secret: str
    step: Step = Step.WHAT
    reached_review: bool = False
    categories: tuple[str, ...] = ()
    danger_now: str = ""  # "" until answered, then yes | no | unsure
    province: str = ""  # "" until answered, then a code or "unknown"
    town: str = ""
    employer: str = ""
    recruiter: str = ""
    site: str = ""
    narrative: str = ""
    files: tuple[StagedFile, ...] = ()
    contact_pref: str = "code"
    phone: str = ""  # E.164, only with contact_pref == "sms"
    urgency: str = ""  # set on the receipt, to say when an officer will read it
    # Research (reporter.funnel): this visit's experiment arm, and the furthest step it reached (an index
    # into STEPS), so each step counts once per visit. Nothing else about the visit is counted.
    variant: str = ""
    reached: int = 0


def new_draft() -> Draft:
    return Draft(
        case_id=new_id(), client_id=secrets.token_urlsafe(18), case_code=new_case_code(), secret=new_secret()
    )


def advance(draft: Draft, move: Move) -> Step:
    """The step a move leads to from the draft's step, or ``IllegalMoveError``."""
    if move.action is Action.REVIEW and not draft.reached_review:
        raise IllegalMoveError("review before the review page was reached")
    if move.action is Action.REMOVE and (move.index is None or not 0 <= move.index < len(draft.files)):
        raise IllegalMoveError("no such file")
    try:
        return TRANSITIONS[(draft.step, move.action, move.target)]
    except KeyError:
        raise IllegalMoveError(f"{draft.step}:{move.action}") from None
