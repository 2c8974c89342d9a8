"""The case workflow: statuses, the transition table, closing outcomes and override reasons.

    new ─► triaged ─► assessing ─► referred ◄─► inspection
     │        │           │           │             │
     └────────┴───────────┴───────────┴─────────────┴──► closed (with an outcome)

A case may be closed from any open status (a duplicate or an out-of-scope
report should not have to walk the whole path), but only with an outcome,
and closing is final: a closed case's sealed values move to a retention
epoch whose key is destroyed on schedule, so "re-opening" would mean
sealing new material under a key that is about to disappear.
"""

from __future__ import annotations

import enum
from types import MappingProxyType

from signalement.db.models import CaseStatus
from signalement.errors import ConflictError
from signalement.i18n import N_, gettext

TRANSITIONS: MappingProxyType[CaseStatus, frozenset[CaseStatus]] = MappingProxyType(
    {
        CaseStatus.NEW: frozenset({CaseStatus.TRIAGED, CaseStatus.CLOSED}),
        CaseStatus.TRIAGED: frozenset({CaseStatus.ASSESSING, CaseStatus.CLOSED}),
        CaseStatus.ASSESSING: frozenset({CaseStatus.REFERRED, CaseStatus.INSPECTION, CaseStatus.CLOSED}),
        CaseStatus.REFERRED: frozenset({CaseStatus.INSPECTION, CaseStatus.CLOSED}),
        CaseStatus.INSPECTION: frozenset({CaseStatus.REFERRED, CaseStatus.CLOSED}),
        CaseStatus.CLOSED: frozenset(),
    }
)


class Outcome(enum.StrEnum):
    """Why a case was closed. Stored in clear on the case: it is a code, not content."""

    SUBSTANTIATED = "substantiated"
    NOT_SUBSTANTIATED = "not_substantiated"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    DUPLICATE = "duplicate"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    WITHDRAWN = "withdrawn"
    OUT_OF_SCOPE = "out_of_scope"


class OverrideReason(enum.StrEnum):
    """Why an officer changed the automatic triage. The code goes in the audit log in clear;
    any free-text explanation is sealed as a note, never logged."""

    MISCLASSIFIED = "misclassified"
    NEW_INFORMATION = "new_information"
    REPORTER_CLARIFIED = "reporter_clarified"
    DANGER_ASSESSED = "danger_assessed"
    DUPLICATE_OF_OTHER = "duplicate_of_other"
    OTHER = "other"


STATUS_LABELS = MappingProxyType(
    {
        CaseStatus.NEW: N_("New"),
        CaseStatus.TRIAGED: N_("Triaged"),
        CaseStatus.ASSESSING: N_("Assessing"),
        CaseStatus.REFERRED: N_("Referred"),
        CaseStatus.INSPECTION: N_("Inspection opened"),
        CaseStatus.CLOSED: N_("Closed"),
    }
)
OUTCOME_LABELS = MappingProxyType(
    {
        Outcome.SUBSTANTIATED: N_("Substantiated"),
        Outcome.NOT_SUBSTANTIATED: N_("Not substantiated"),
        Outcome.REFERRED_ELSEWHERE: N_("Handled by a partner"),
        Outcome.DUPLICATE: N_("Duplicate of another case"),
        Outcome.INSUFFICIENT_INFORMATION: N_("Not enough information to act"),
        Outcome.WITHDRAWN: N_("Withdrawn by the reporter"),
        Outcome.OUT_OF_SCOPE: N_("Outside the program"),
    }
)
OVERRIDE_LABELS = MappingProxyType(
    {
        OverrideReason.MISCLASSIFIED: N_("The automatic triage misread the report"),
        OverrideReason.NEW_INFORMATION: N_("New information in the case"),
        OverrideReason.REPORTER_CLARIFIED: N_("The reporter clarified"),
        OverrideReason.DANGER_ASSESSED: N_("Danger assessed by an officer"),
        OverrideReason.DUPLICATE_OF_OTHER: N_("Duplicate of another case"),
        OverrideReason.OTHER: N_("Other (explain in the note)"),
    }
)


# The order a case walks; "Move to" lists the next steps in it, so the forward step comes first and
# "Closed" (final) always last.
WORKFLOW_ORDER: tuple[CaseStatus, ...] = (
    CaseStatus.NEW,
    CaseStatus.TRIAGED,
    CaseStatus.ASSESSING,
    CaseStatus.REFERRED,
    CaseStatus.INSPECTION,
    CaseStatus.CLOSED,
)


def _status_word(status: CaseStatus) -> str:
    return gettext(STATUS_LABELS[status])


class _StepError(ConflictError):
    def __init__(self, current: CaseStatus, target: CaseStatus) -> None:
        super().__init__(f"{current.value} -> {target.value}")
        self.current, self.target = current, target


class TransitionError(_StepError):
    """The case cannot move from its current status to the one asked for."""

    title = "This step is not open from the case's current status"

    def explain(self) -> str:
        if self.current is CaseStatus.CLOSED:
            return gettext("This case is closed, and closing is final: it cannot move to “%(target)s”.",
                           target=_status_word(self.target))
        return gettext(
            "A case that is “%(current)s” cannot move to “%(target)s”. Reload the case (someone may have "
            "changed it) and pick one of the steps under “Move to”.",
            current=_status_word(self.current), target=_status_word(self.target),
        )


class OutcomeRequiredError(_StepError):
    """Closing a case needs an outcome, and only closing may carry one."""


class OutcomeMissingError(OutcomeRequiredError):
    """Closing without an outcome."""

    title = "Closing a case needs an outcome"

    def explain(self) -> str:
        return gettext(
            "To close a case, choose its outcome under “Outcome (only when closing)”, then change the status "
            "again. To move the case forward instead, pick another step under “Move to”."
        )


class OutcomeNotAllowedError(OutcomeRequiredError):
    """An outcome on a step that does not close the case."""

    title = "Only closing a case takes an outcome"

    def explain(self) -> str:
        return gettext(
            "An outcome is only for closing a case. To move it to “%(target)s”, set “Outcome (only when "
            "closing)” back to “None”; to close it, pick “Closed” under “Move to”.",
            target=_status_word(self.target),
        )


def allowed_next(current: CaseStatus) -> tuple[CaseStatus, ...]:
    """The statuses a case may move to next, in workflow order (never "Closed" first unless it is the only one)."""
    return tuple(s for s in WORKFLOW_ORDER if s in TRANSITIONS[current])


def check_transition(current: CaseStatus, target: CaseStatus, outcome: Outcome | None) -> None:
    """Raise unless ``current`` → ``target`` is in the table and the outcome rule holds."""
    if target not in TRANSITIONS[current]:
        raise TransitionError(current, target)
    if target is CaseStatus.CLOSED and outcome is None:
        raise OutcomeMissingError(current, target)
    if target is not CaseStatus.CLOSED and outcome is not None:
        raise OutcomeNotAllowedError(current, target)
