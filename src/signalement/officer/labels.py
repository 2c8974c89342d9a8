"""Officer-facing words for codes, and dates and deadlines formatted for the workspace.

Codes stay codes everywhere else (database, API, audit log); only pages
turn them into words, in the officer's language (English or French).
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

from babel.dates import format_datetime, format_timedelta

from signalement import i18n
from signalement.db.models import CaseStatus, Role
from signalement.i18n import N_, gettext
from signalement.officer.workflow import (
    OUTCOME_LABELS,
    OVERRIDE_LABELS,
    STATUS_LABELS,
    Outcome,
    OverrideReason,
)
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
CHANNEL_NAMES = MappingProxyType({"web": N_("Web"), "sms": N_("Text message"), "voice": N_("Phone call")})
ROLE_NAMES = MappingProxyType(
    {
        Role.OFFICER: N_("Officer"),
        Role.SUPERVISOR: N_("Supervisor"),
        Role.ADMIN: N_("Administrator"),
        Role.RESEARCHER: N_("Researcher"),
    }
)
CONTACT_NAMES = MappingProxyType(
    {
        "none": N_("No contact"),
        "code": N_("Follow-up page with the case code"),
        "sms": N_("Text message"),
    }
)
REGION_NAMES = MappingProxyType(
    {
        "atlantic": N_("Atlantic"),
        "quebec": N_("Quebec"),
        "ontario": N_("Ontario"),
        "western": N_("Western"),
    }
)
DANGER_NAMES = MappingProxyType({"yes": N_("Yes"), "no": N_("No"), "unsure": N_("Not sure")})


def _word(table: MappingProxyType, code: object) -> str:  # type: ignore[type-arg]
    msgid = table.get(code)
    return gettext(msgid) if msgid else str(code)


class Wording:
    """Passed to every officer template as ``ui``: one place that turns codes into words."""

    def __init__(self, language: i18n.Language, now: dt.datetime) -> None:
        self.language = language
        self.now = now

    def category(self, code: str) -> str:
        return _word(CATEGORY_NAMES, code)

    def category_definition(self, code: str) -> str:
        try:
            return category_definition(code)
        except ValueError:
            return ""

    def urgency(self, code: str) -> str:
        return _word(URGENCY_NAMES, code)

    def status(self, code: str) -> str:
        try:
            return _word(STATUS_LABELS, CaseStatus(code))
        except ValueError:
            return code

    def outcome(self, code: str | None) -> str:
        return _word(OUTCOME_LABELS, Outcome(code)) if code in Outcome._value2member_map_ else (code or "")

    def override_reason(self, code: str) -> str:
        return (
            _word(OVERRIDE_LABELS, OverrideReason(code))
            if code in OverrideReason._value2member_map_
            else code
        )

    def channel(self, code: str) -> str:
        return _word(CHANNEL_NAMES, code)

    def role(self, code: str) -> str:
        try:
            return _word(ROLE_NAMES, Role(code))
        except ValueError:
            return code

    def contact(self, code: str) -> str:
        return _word(CONTACT_NAMES, code)

    def danger(self, code: str) -> str:
        return _word(DANGER_NAMES, code)

    def province(self, code: str | None) -> str:
        if not code:
            return gettext("Not given")
        try:
            return province_name(code)
        except ValueError:
            return code

    def region(self, code: str | None) -> str:
        return _word(REGION_NAMES, code) if code else gettext("None")

    def partner(self, code: str) -> str:
        try:
            return partner_label(code)
        except ValueError:
            return code

    def language_name(self, code: str) -> str:
        lang = i18n.BY_CODE.get(code)
        return lang.native_name if lang else code

    def when(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return ""
        return format_datetime(
            moment, "yyyy-MM-dd HH:mm 'UTC'", tzinfo=dt.UTC, locale=self.language.babel_locale
        )

    def day(self, moment: dt.datetime | None) -> str:
        return moment.strftime("%Y-%m-%d") if moment else ""

    def due(self, moment: dt.datetime) -> str:
        """ "in 5 hours" or "5 hours ago", in the officer's language."""
        return format_timedelta(
            moment - self.now, add_direction=True, threshold=1.5, locale=self.language.babel_locale
        )

    def breached(self, moment: dt.datetime) -> bool:
        return moment < self.now

    def size(self, n: int) -> str:
        return f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"
