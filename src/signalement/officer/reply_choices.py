"""The reply templates as the case page offers them: a short name for the officer, and each template in
the officer's language beside the reporter's (``reply_templates`` holds the sentences); and the text a
reply form or API call sends."""

from __future__ import annotations

from types import MappingProxyType

import msgspec

from signalement.errors import SignalementError
from signalement.i18n import N_, current_language, gettext
from signalement.officer.cases import case_summary
from signalement.reply_templates import TEMPLATES, UnknownTemplateError, compose, template_text
from signalement.runtime import Runtime
from signalement.staff.access import Principal

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


async def reply_text(runtime: Runtime, principal: Principal, case_id: str, template: str | None, own_words: str) -> str:
    """What a reply sends: the officer's words, or the template in the case's language followed by them."""
    if not template:
        return own_words
    language = (await case_summary(runtime, principal, case_id)).language
    try:
        return compose(template, language, own_words)
    except UnknownTemplateError:
        raise SignalementError("unknown reply template") from None
