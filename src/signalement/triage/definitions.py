"""Officer-facing definitions of the triage categories and referral partners.

These strings belong to the ``officer`` gettext domain (English and French): they
are what an integrity officer reads when deciding whether to confirm or override
the automatic triage. Each category definition cites the provision of the
Immigration and Refugee Protection Regulations (IRPR) or the published ESDC tip
category it mirrors, as written in ``data/triage/taxonomy.md``, so an override can
be argued against the same text the analysts label with.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from signalement.i18n import N_, gettext
from signalement.triage.taxonomy import UnknownCategoryError

_DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "wages": N_(
            "Unpaid, late or short pay; pay below the offer or contract; unpaid overtime; unpaid work "
            "days, including days worked to repay a debt; illegal deductions such as rent or transport "
            "taken from pay, or fees recovered from cheques. Mirrors IRPR 209.3(1)(a)(iii) and (iv) "
            "(substantially the same wages) and the ESDC tip category \"wrong pay\"."
        ),
        "hours_rest": N_(
            "Excessive hours, no breaks, no day off. Mirrors provincial employment standards and the "
            "ESDC tip category \"time off\"."
        ),
        "job_mismatch": N_(
            "A different occupation, employer or place of work than offered or than on the LMIA. Pay "
            "below the contract alone is wages. Mirrors IRPR 209.3(1)(a)(iii) and the ESDC tip "
            "category \"different job than agreed\"."
        ),
        "health_safety": N_(
            "Unsafe work, no protective equipment, chemical exposure, an injury or illness at work, "
            "being refused or discouraged from health care. Mirrors IRPR 209.3(1)(a)(vi) and (ix) "
            "(access to health care). Immediate when a serious injury goes without care."
        ),
        "housing": N_(
            "Employer-provided housing that is unsafe, overcrowded, unheated or unsanitary. IRCC "
            "program instructions count unsafe housing as physical abuse; it is tagged on its own "
            "here for routing."
        ),
        "documents": N_(
            "Passport, work permit or other identity papers kept by the employer or recruiter. "
            "Mirrors the ESDC tip category \"passport or documents kept\"."
        ),
        "confinement": N_(
            "Not allowed to leave the worksite or housing, locked in, guarded, chained gates. Mirrors "
            "IRPR 196.2(1)(a) (forcible confinement) and the ESDC tip category \"not allowed to leave\". "
            "Always immediate."
        ),
        "physical_abuse": N_(
            "Hitting, pushing, assault, or use of a weapon. A threat made with a weapon is also "
            "psychological abuse. Mirrors IRPR 196.2(1)(a). Always immediate."
        ),
        "sexual_abuse": N_(
            "Touching without consent, sexual messages or demands, sexual assault or coercion. "
            "Mirrors IRPR 196.2(1)(b). Always immediate."
        ),
        "psychological_abuse": N_(
            "Threats of violence, intimidation, yelling, insults, humiliation, bullying. A threat "
            "about immigration status is status threats instead. Mirrors IRPR 196.2(1)(c) and the "
            "ESDC tip category \"threats, bullying or abuse\"."
        ),
        "status_threats": N_(
            "Threats to cancel a permit, call immigration, deport, or send someone home. Mirrors the "
            "ESDC tip category \"threats to your status\"."
        ),
        "reprisal": N_(
            "An actual punishment for complaining or cooperating: shifts cut, dismissal, demotion. A "
            "threat of deportation for complaining is status threats. Mirrors IRPR 196.2(1)(e)."
        ),
        "recruitment_fees": N_(
            "Fees paid to a recruiter, agency or employer for the job. Mirrors IRPR "
            "209.3(1)(a)(vii) and (viii)."
        ),
        "financial_abuse": N_(
            "Fraud or extortion: forced repayment (for example flights repaid with unpaid work), debt "
            "bondage, money demanded. Mirrors IRPR 196.2(1)(d)."
        ),
        "other": N_("Only when no other category applies, for example a question."),
    }
)

_PARTNERS: Mapping[str, str] = MappingProxyType(
    {
        "police": N_("Police: violence, confinement or signs of trafficking"),
        "ohs": N_("Provincial occupational health and safety"),
        "employment_standards": N_("Provincial employment standards"),
        "ircc_vulnerable_worker": N_(
            "IRCC open work permit for vulnerable workers: tell the worker they may be eligible"
        ),
        "cbsa": N_("CBSA: document or recruitment fraud"),
    }
)

PARTNERS: tuple[str, ...] = tuple(_PARTNERS)


class UnknownPartnerError(ValueError):
    """A referral partner code that routing never suggests."""


def category_definition(code: str) -> str:
    """The officer-facing definition of a category, with its citation, in the active language."""
    try:
        return gettext(_DEFINITIONS[code])
    except KeyError:
        raise UnknownCategoryError(code) from None


def partner_label(partner: str) -> str:
    """The officer-facing name of a referral partner, in the active language."""
    try:
        return gettext(_PARTNERS[partner])
    except KeyError:
        raise UnknownPartnerError(partner) from None
