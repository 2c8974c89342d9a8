"""Triage: category, urgency and the reasons for both, SLA deadlines, routing and duplicate scores.

Intake calls ``classify`` on the reporter's answers and text before sealing; the
officer queue sorts on the urgency and due time and filters on the category mask.
Everything here is pure and needs no database. See ``docs/triage.md``.
"""

from signalement.triage.clusters import duplicate_likelihood
from signalement.triage.definitions import category_definition, partner_label
from signalement.triage.routing import DEFAULT_REGIONAL_OFFICES, ReferralSuggestion, Routing, route
from signalement.triage.scoring import (
    Reason,
    TextReading,
    TriageDecision,
    TriageInput,
    classify,
    read_text,
    rules_fingerprint,
)
from signalement.triage.sla import sla_due, sla_due_for
from signalement.triage.taxonomy import (
    CATEGORIES,
    PROVINCES,
    URGENCIES,
    URGENCY_RANK,
    categories_from_mask,
    category_label,
    category_mask,
    province_name,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_REGIONAL_OFFICES",
    "PROVINCES",
    "URGENCIES",
    "URGENCY_RANK",
    "Reason",
    "ReferralSuggestion",
    "TextReading",
    "Routing",
    "TriageDecision",
    "TriageInput",
    "categories_from_mask",
    "category_definition",
    "category_label",
    "category_mask",
    "classify",
    "duplicate_likelihood",
    "partner_label",
    "province_name",
    "read_text",
    "route",
    "rules_fingerprint",
    "sla_due",
    "sla_due_for",
]
