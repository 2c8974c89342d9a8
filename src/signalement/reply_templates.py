"""Replies an officer can start from, written once and translated in the reporter catalogues.

An officer who reads Punjabi poorly should not have to write to a Punjabi reporter in English. These
sentences live in the ``reporter`` gettext domain, so they are translated by the same people, reviewed
the same way and checked by ``signalement i18n check`` like every page a reporter reads; the officer
sees the same sentence from the same catalogue in English or French beside it, so they know what they
send. The officer may add their own words after it (``compose``).
"""

from __future__ import annotations

from types import MappingProxyType

from signalement import i18n
from signalement.i18n import N_

# Each template is a few sentences of the reporter catalogue; the 911 one reuses the crisis guidance's.
TEMPLATES = MappingProxyType(
    {
        "received": (
            # TRANSLATORS: a reply an officer sends to a worker who reported their employer; plain words.
            N_("We received your report. An officer is reading it. Thank you for telling us."),
        ),
        "more": (
            # TRANSLATORS: an officer's reply; the officer's own question follows on the next line.
            N_("Can you tell us more? We would like to know:"),
        ),
        "contact": (
            # TRANSLATORS: an officer's reply; the worker may be near their employer when we call.
            N_("An officer will call you or send you a text message soon. If it is not safe to talk then, "
               "you do not have to answer. We will try again."),
        ),
        "interpreter": (
            # TRANSLATORS: an officer's reply; an interpreter for a phone call or meeting.
            N_("We can find an interpreter who speaks your language, at no cost to you. Tell us if you want one."),
        ),
        "danger": (
            N_("If someone is in danger now, call 911."),
            N_("It is free. If you do not speak English or French, say the name of your language."),
        ),
    }
)
# Chinese puts no space between sentences (after 。).
_NO_SPACE = frozenset({"zh"})


class UnknownTemplateError(ValueError):
    """No reply template has this key."""


def template_text(key: str, language: str) -> str:
    """The template in one language of the reporter catalogues (every reporter language, English and French)."""
    parts = TEMPLATES.get(key)
    if parts is None:
        raise UnknownTemplateError(key)
    with i18n.using(language, i18n.REPORTER) as lang:
        return ("" if lang.code in _NO_SPACE else " ").join(i18n.gettext(p) for p in parts)


def compose(key: str, language: str, own_words: str) -> str:
    """The reply as sent: the template in the reporter's language, then the officer's own words, if any."""
    start = template_text(key, language)
    return f"{start}\n\n{own_words.strip()}" if own_words.strip() else start
