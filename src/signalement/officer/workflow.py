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
from signalement.i18n import N_

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


class TransitionError(ConflictError):
    """The case cannot move from its current status to the one asked for."""


class OutcomeRequiredError(ConflictError):
    """Closing a case needs an outcome, and only closing may carry one."""


def allowed_next(current: CaseStatus) -> frozenset[CaseStatus]:
    return TRANSITIONS[current]


def check_transition(current: CaseStatus, target: CaseStatus, outcome: Outcome | None) -> None:
    """Raise unless ``current`` → ``target`` is in the table and the outcome rule holds."""
    if target not in TRANSITIONS[current]:
        raise TransitionError(f"{current.value} -> {target.value}")
    if (target is CaseStatus.CLOSED) != (outcome is not None):
        raise OutcomeRequiredError("closing needs an outcome; other steps take none")
