"""Routing of a triaged report: the regional office that owns it and the partners to suggest.

Referrals are *suggestions* shown to the officer with the rule that produced them;
nothing is sent anywhere automatically. A worker's report reaching the police or
the border agency without the officer's judgement could expose the worker, so
routing only ever prompts.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import msgspec

from signalement.triage.scoring import TriageDecision

DEFAULT_REGIONAL_OFFICES: Mapping[str, str] = MappingProxyType(
    {
        "NB": "atlantic",
        "NL": "atlantic",
        "NS": "atlantic",
        "PE": "atlantic",
        "QC": "quebec",
        "ON": "ontario",
        "MB": "western",
        "SK": "western",
        "AB": "western",
        "BC": "western",
        "NT": "western",
        "NU": "western",
        "YT": "western",
    }
)

# Abuse as IRPR s. 196.2 defines it (physical, including confinement and, per IRCC program
# instructions, unsafe housing; sexual; psychological, including threats; financial; reprisal):
# the worker may qualify for the open work permit for vulnerable workers.
_VULNERABLE_WORKER = (
    "physical_abuse",
    "confinement",
    "housing",
    "sexual_abuse",
    "psychological_abuse",
    "status_threats",
    "financial_abuse",
    "reprisal",
)
_EMPLOYMENT_STANDARDS = ("wages", "hours_rest", "reprisal", "recruitment_fees")


class ReferralSuggestion(msgspec.Struct, frozen=True, kw_only=True):
    """A partner the officer should consider, and the rule id that says why."""

    partner: str
    reason: str


class Routing(msgspec.Struct, frozen=True, kw_only=True):
    """Where a report goes: its regional office and the referral suggestions."""

    region: str | None
    referrals: tuple[ReferralSuggestion, ...]


def route(
    province: str | None,
    decision: TriageDecision,
    *,
    offices: Mapping[str, str] | None = None,
) -> Routing:
    """The regional office for ``province`` and the referral suggestions for ``decision``."""
    table = DEFAULT_REGIONAL_OFFICES if offices is None else offices
    region = table.get(province.strip().upper()) if isinstance(province, str) else None
    return Routing(region=region, referrals=suggest_referrals(decision))


def suggest_referrals(decision: TriageDecision) -> tuple[ReferralSuggestion, ...]:
    """One suggestion per partner, in a fixed order, each with the first reason that applies."""
    found = set(decision.categories)
    suggestions: list[ReferralSuggestion] = []

    def suggest(partner: str, reason: str | None) -> None:
        if reason:
            suggestions.append(ReferralSuggestion(partner=partner, reason=reason))

    suggest("police", _police_reason(decision, found))
    suggest("ohs", "referral.ohs.health_safety" if "health_safety" in found else None)
    suggest("employment_standards", _first("referral.employment_standards", _EMPLOYMENT_STANDARDS, found))
    suggest("ircc_vulnerable_worker", _first("referral.ircc_vulnerable_worker", _VULNERABLE_WORKER, found))
    cbsa = _first("referral.cbsa", ("documents", "recruitment_fees"), found)
    suggest("cbsa", cbsa or ("referral.cbsa.trafficking_signs" if _trafficking(decision) else None))
    return tuple(suggestions)


def _police_reason(decision: TriageDecision, found: set[str]) -> str | None:
    for category in ("physical_abuse", "sexual_abuse", "confinement"):
        if category in found:
            return f"referral.police.{category}"
    if _trafficking(decision):
        return "referral.police.trafficking_signs"
    if decision.urgency == "immediate" or decision.police_referral:
        return "referral.police.immediate_danger"
    return None


def _trafficking(decision: TriageDecision) -> bool:
    """Trafficking words in the text, or retained documents together with debt bondage."""
    return any(
        r.rule.endswith(".trafficking") or r.rule == "policy.trafficking_indicators" for r in decision.reasons
    )


def _first(prefix: str, categories: tuple[str, ...], found: set[str]) -> str | None:
    for category in categories:
        if category in found:
            return f"{prefix}.{category}"
    return None
