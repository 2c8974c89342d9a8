"""The reply templates as the case page offers them: a short name for the officer, and each template in
the officer's language beside the reporter's (``reply_templates`` holds the sentences)."""

from __future__ import annotations

from types import MappingProxyType

import msgspec

from signalement.i18n import N_, current_language, gettext
from signalement.reply_templates import TEMPLATES, template_text

TITLES = MappingProxyType(
    {
        "received": N_("We received your report"),
        "more": N_("Can you tell us more about…"),
        "contact": N_("An officer will call or text"),
        "interpreter": N_("We can find an interpreter"),
        "danger": N_("If you are in danger, call 911"),
    }
)


class ReplyChoice(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    title: str  # in the officer's language
    officer_text: str  # what the reporter will read, in the officer's language
    reporter_text: str  # what is sent, in the reporter's language


def reply_choices(reporter_language: str) -> tuple[ReplyChoice, ...]:
    """Every template, named and shown in the active (officer) language and in the reporter's language."""
    officer_language = current_language().code
    return tuple(
        ReplyChoice(key=key, title=gettext(TITLES[key]), officer_text=template_text(key, officer_language),
                    reporter_text=template_text(key, reporter_language))
        for key in TEMPLATES
    )
