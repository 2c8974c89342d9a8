"""The triage taxonomy in one place: category codes, urgency levels, provinces and their labels.

The order of ``CATEGORIES`` is part of the database format: bit *i* of a stored
category mask means ``CATEGORIES[i]``. Append new codes at the end; never reorder.

Worker-facing labels are English msgids marked with ``N_`` and translated with
``gettext`` when they are shown, so the active request language applies. They are
written in plain words (grade-6 reading level) because the reporter may be
reading on a phone, in a second language, while afraid. Officer-facing
definitions, with the provision each category mirrors, live in ``definitions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from signalement.i18n import N_, gettext

CATEGORIES: tuple[str, ...] = (
    "wages",
    "hours_rest",
    "job_mismatch",
    "health_safety",
    "housing",
    "documents",
    "confinement",
    "physical_abuse",
    "sexual_abuse",
    "psychological_abuse",
    "status_threats",
    "reprisal",
    "recruitment_fees",
    "financial_abuse",
    "other",
)
CATEGORY_BIT: Mapping[str, int] = MappingProxyType({code: 1 << i for i, code in enumerate(CATEGORIES)})
ALL_CATEGORIES_MASK = (1 << len(CATEGORIES)) - 1

URGENCIES: tuple[str, ...] = ("immediate", "high", "standard")
URGENCY_RANK: dict[str, int] = {"immediate": 0, "high": 1, "standard": 2}

# Urgency each category carries on its own (taxonomy.md, "Urgency"). Categories not
# listed are `standard`. `health_safety` is `high` unless a serious injury goes
# without care, which the scoring policy raises to `immediate`.
CATEGORY_URGENCY: Mapping[str, str] = MappingProxyType(
    {
        "physical_abuse": "immediate",
        "sexual_abuse": "immediate",
        "confinement": "immediate",
        "documents": "high",
        "status_threats": "high",
        "reprisal": "high",
        "housing": "high",
        "psychological_abuse": "high",
        "health_safety": "high",
    }
)

# Violence or deprivation of liberty: always suggest the police, whatever the urgency.
VIOLENT_CATEGORIES: frozenset[str] = frozenset({"physical_abuse", "sexual_abuse", "confinement"})

PROVINCES: tuple[str, ...] = ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT")

_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "wages": N_("I was not paid, or paid less than promised"),
        "hours_rest": N_("I work too many hours, or I get no breaks or days off"),
        "job_mismatch": N_("My job is not the job I was promised"),
        "health_safety": N_("My work is not safe, or I got hurt or sick and could not see a doctor"),
        "housing": N_("The housing from my employer is not safe, too crowded, cold or dirty"),
        "documents": N_("Someone took my passport or my work papers"),
        "confinement": N_("I am locked in, or I am not allowed to leave"),
        "physical_abuse": N_("Someone hit me, pushed me or hurt my body"),
        "sexual_abuse": N_("Someone touched me or asked me for sex when I did not want it"),
        "psychological_abuse": N_("Someone yells at me, insults me or threatens me"),
        "status_threats": N_("Someone said they will send me home or cancel my permit"),
        "reprisal": N_("I was punished because I complained or asked for help"),
        "recruitment_fees": N_("I paid money to get this job"),
        "financial_abuse": N_("Someone takes my money or makes me pay a debt"),
        "other": N_("Something else"),
    }
)

_PROVINCE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "AB": N_("Alberta"),
        "BC": N_("British Columbia"),
        "MB": N_("Manitoba"),
        "NB": N_("New Brunswick"),
        "NL": N_("Newfoundland and Labrador"),
        "NS": N_("Nova Scotia"),
        "NT": N_("Northwest Territories"),
        "NU": N_("Nunavut"),
        "ON": N_("Ontario"),
        "PE": N_("Prince Edward Island"),
        "QC": N_("Quebec"),
        "SK": N_("Saskatchewan"),
        "YT": N_("Yukon"),
    }
)


class UnknownCategoryError(ValueError):
    """A category code that is not in the taxonomy."""


class UnknownProvinceError(ValueError):
    """A province or territory code that is not one of the thirteen."""


def category_mask(categories: Iterable[str]) -> int:
    """The bit mask for a set of category codes; ``UnknownCategoryError`` on any other code."""
    mask = 0
    for code in categories:
        try:
            mask |= CATEGORY_BIT[code]
        except KeyError:
            raise UnknownCategoryError(code) from None
    return mask


def categories_from_mask(mask: int) -> tuple[str, ...]:
    """The category codes set in ``mask``, in ``CATEGORIES`` order; unknown high bits are ignored."""
    return tuple(code for i, code in enumerate(CATEGORIES) if mask >> i & 1)


def category_label(code: str) -> str:
    """The worker-facing label of a category, in the active language."""
    try:
        return gettext(_LABELS[code])
    except KeyError:
        raise UnknownCategoryError(code) from None


def province_name(code: str) -> str:
    """The name of a province or territory, in the active language."""
    try:
        return gettext(_PROVINCE_NAMES[code.upper()])
    except KeyError:
        raise UnknownProvinceError(code) from None


def urgency_of(category: str) -> str:
    """The urgency a category carries on its own under the labelling policy."""
    return CATEGORY_URGENCY.get(category, "standard")


def most_urgent(levels: Iterable[str]) -> str:
    """The most urgent of some urgency levels; ``standard`` when there are none."""
    best = URGENCY_RANK["standard"]
    for level in levels:
        best = min(best, URGENCY_RANK[level])
    return URGENCIES[best]
