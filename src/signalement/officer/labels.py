"""Officer-facing words for case codes: categories, urgencies, statuses, outcomes, partners.

Codes stay codes everywhere else (database, API, audit log); only pages
turn them into words, in the officer's language (English or French).
"""

from __future__ import annotations

from types import MappingProxyType

from signalement.db.models import CaseStatus
from signalement.i18n import N_, gettext
from signalement.officer.workflow import (
    OUTCOME_LABELS,
    OVERRIDE_LABELS,
    STATUS_LABELS,
    Outcome,
    OverrideReason,
)
from signalement.staff.wording import StaffWording, word
from signalement.triage.definitions import category_definition, partner_label
from signalement.triage.taxonomy import province_name

CATEGORY_NAMES = MappingProxyType(
    {
        "wages": N_("Wages"),
        "hours_rest": N_("Hours and rest"),
        "job_mismatch": N_("Different job than offered"),
        "health_safety": N_("Health and safety"),
        "housing": N_("Housing"),
        "documents": N_("Documents withheld"),
        "confinement": N_("Confinement"),
        "physical_abuse": N_("Physical abuse"),
        "sexual_abuse": N_("Sexual abuse"),
        "psychological_abuse": N_("Psychological abuse"),
        "status_threats": N_("Threats to status"),
        "reprisal": N_("Reprisal"),
        "recruitment_fees": N_("Recruitment fees"),
        "financial_abuse": N_("Financial abuse"),
        "other": N_("Other"),
    }
)
URGENCY_NAMES = MappingProxyType(
    {"immediate": N_("Immediate"), "high": N_("High"), "standard": N_("Standard")}
)
CONTACT_NAMES = MappingProxyType(
    {
        "none": N_("No contact"),
        "code": N_("Follow-up page with the case code"),
        "sms": N_("Text message"),
    }
)
DANGER_NAMES = MappingProxyType({"yes": N_("Yes"), "no": N_("No"), "unsure": N_("Not sure")})
# What a case waits for (``deadlines.Waiting``), as the queue and the case page say it.
WAITING_NAMES = MappingProxyType(
    {
        "reporter": N_("Waiting for the reporter"),
        "interpreter": N_("Interpreter requested"),
        "partner": N_("Waiting for a partner"),
    }
)


class CaseWording(StaffWording):
    """The officer tier's ``ui``: case codes (categories, statuses, partners) turned into words."""

    def category(self, code: str) -> str:
        return word(CATEGORY_NAMES, code)

    def category_definition(self, code: str) -> str:
        try:
            return category_definition(code)
        except ValueError:
            return ""

    def urgency(self, code: str) -> str:
        return word(URGENCY_NAMES, code)

    def status(self, code: str) -> str:
        try:
            return word(STATUS_LABELS, CaseStatus(code))
        except ValueError:
            return code

    def outcome(self, code: str | None) -> str:
        return word(OUTCOME_LABELS, Outcome(code)) if code and code in Outcome._value2member_map_ else (code or "")

    def override_reason(self, code: str) -> str:
        return (
            word(OVERRIDE_LABELS, OverrideReason(code))
            if code in OverrideReason._value2member_map_
            else code
        )

    def contact(self, code: str) -> str:
        return word(CONTACT_NAMES, code)

    def danger(self, code: str) -> str:
        return word(DANGER_NAMES, code)

    def province(self, code: str | None) -> str:
        if not code:
            return gettext("Not given")
        try:
            return province_name(code)
        except ValueError:
            return code

    def region_after(self, province: str | None, region: str | None) -> str:
        """The region to show after a province, or "" when it adds nothing ("Ontario (Ontario)")."""
        if not region:
            return ""
        name = self.region(region)
        return "" if province and name.casefold() == self.province(province).casefold() else name

    def partner(self, code: str) -> str:
        try:
            return partner_label(code)
        except ValueError:
            return code

    def waiting(self, code: str | None) -> str:
        return word(WAITING_NAMES, code) if code else ""
