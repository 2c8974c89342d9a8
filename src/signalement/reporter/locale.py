"""The reporter's language, in the URL and in every word we show: the active language, numbers, field errors."""

from __future__ import annotations

import functools

import msgspec
from babel.numbers import format_decimal

from signalement import i18n
from signalement.errors import NotFoundError
from signalement.reporter.forms import FieldError


class ShownError(msgspec.Struct, frozen=True):
    field: str
    text: str


def language(code: str) -> i18n.Language:
    """The reporter language named in the URL, made active for this request; 404 for anything else."""
    if code not in i18n.BY_CODE:
        raise NotFoundError
    return i18n.activate(code, i18n.REPORTER)


def number(value: float) -> str:
    return _number(value, i18n.current_language().babel_locale)


@functools.lru_cache(maxsize=1024)
def _number(value: float, babel_locale: str) -> str:
    """Babel parses the locale's number pattern on every call: the few numbers we show are formatted once."""
    return format_decimal(value, locale=babel_locale)


def shown_errors(errors: tuple[FieldError, ...] | list[FieldError]) -> list[ShownError]:
    """Field errors in the active language, one per field, in page order."""
    out: list[ShownError] = []
    seen: set[str] = set()
    for err in errors:
        if err.field in seen:
            continue
        seen.add(err.field)
        text = i18n.gettext(err.message, max=number(err.limit)) if err.limit else i18n.gettext(err.message)
        out.append(ShownError(err.field, text))
    return out
