"""Words for codes, and dates and deadlines, formatted for any staff page (officer or research).

Codes stay codes everywhere else (database, API, audit log); only pages
turn them into words, in the staff member's language (English or French).
The officer tier extends ``StaffWording`` with case vocabulary
(``officer.labels.CaseWording``).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from types import MappingProxyType

from babel import Locale
from babel.dates import format_datetime, format_timedelta

from signalement import i18n
from signalement.db.models import Role
from signalement.i18n import N_, gettext

CHANNEL_NAMES = MappingProxyType({"web": N_("Web"), "sms": N_("Text message"), "voice": N_("Phone call")})
ROLE_NAMES = MappingProxyType(
    {
        Role.OFFICER: N_("Officer"),
        Role.SUPERVISOR: N_("Supervisor"),
        Role.ADMIN: N_("Administrator"),
        Role.RESEARCHER: N_("Researcher"),
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


@cache
def language_name(code: str, reader: i18n.Language) -> str:
    """Babel's name for a reporter language in ``reader``'s language, with its script and without a region
    ("Punjabi (Gurmukhi)", "pendjabi (gourmoukhî)", "English" for en_CA).

    Babel's locale for Tagalog is Filipino (``fil``); the language itself is named by its own code, so
    officers read "Tagalog" as the reporter pages and the triage rules say.
    """
    lang = i18n.BY_CODE.get(code)
    if lang is None:
        return code
    locale = Locale.parse(lang.babel_locale)
    reading = Locale.parse(reader.babel_locale)
    if locale.language != code:
        name = reading.languages.get(code) or lang.native_name
    else:
        name = Locale(locale.language, script=locale.script).get_display_name(reading) or lang.native_name
    return name[:1].upper() + name[1:] if reader.code == "en" else name


def word(table: MappingProxyType, code: object) -> str:
    msgid = table.get(code)
    return gettext(msgid) if msgid else str(code)


class StaffWording:
    """Passed to every staff template as ``ui``: one place that turns codes into words."""

    def __init__(self, language: i18n.Language, now: dt.datetime, time_zone: dt.tzinfo = dt.UTC) -> None:
        self.language = language
        self.now = now
        self.time_zone = time_zone

    def channel(self, code: str) -> str:
        return word(CHANNEL_NAMES, code)

    def role(self, code: str) -> str:
        try:
            return word(ROLE_NAMES, Role(code))
        except ValueError:
            return code

    def region(self, code: str | None) -> str:
        return word(REGION_NAMES, code) if code else gettext("None")

    def language_name(self, code: str) -> str:
        """A reporter language named in the reader's language ("Punjabi (Gurmukhi)", "pendjabi (gourmoukhî)")."""
        return language_name(code, self.language)

    def native_name(self, code: str) -> str:
        """The language's own name for itself ("ਪੰਜਾਬੀ") when it differs from ``language_name``, else ""."""
        lang = i18n.BY_CODE.get(code)
        if lang is None or lang.native_name.casefold() == self.language_name(code).casefold():
            return ""
        return lang.native_name

    def language_label(self, code: str) -> str:
        """Both names in one plain string, for places that cannot hold markup (``<option>``)."""
        native = self.native_name(code)
        return f"{self.language_name(code)} – {native}" if native else self.language_name(code)

    def bcp47(self, code: str) -> str:
        """The tag for a ``lang`` attribute around a reporter's own words ("pa-Guru" for Punjabi)."""
        lang = i18n.BY_CODE.get(code)
        return lang.bcp47 if lang else code

    def when(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return ""
        # In the reader's time zone, named ("EST", "HNE" in French): a deadline read in UTC is hours off.
        pattern = "yyyy-MM-dd HH:mm 'UTC'" if self.time_zone is dt.UTC else "yyyy-MM-dd HH:mm z"
        return format_datetime(moment, pattern, tzinfo=self.time_zone, locale=self.language.babel_locale)

    def day(self, moment: dt.datetime | None) -> str:
        return moment.astimezone(self.time_zone).strftime("%Y-%m-%d") if moment else ""

    def due(self, moment: dt.datetime) -> str:
        """ "in 5 hours" or "5 hours ago", in the officer's language."""
        return format_timedelta(
            moment - self.now, add_direction=True, threshold=1.5, locale=self.language.babel_locale
        )

    def breached(self, moment: dt.datetime) -> bool:
        return moment < self.now

    def size(self, n: int) -> str:
        return f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"
