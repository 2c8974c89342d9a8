"""Languages, catalogues and the gettext functions every user-facing string goes through.

Two gettext domains:

* ``reporter``: everything a worker reads (web pages, SMS, voice prompts,
  category labels), in every reporter language.
* ``officer``: the staff workspace and research pages, in Canada's two
  official languages.

The active language and domain live in context variables set per request,
so ``_()`` in Python and ``{{ _() }}`` / ``{% trans %}`` in templates are safe
under concurrency. Catalogues are read from ``locales/<lang>/LC_MESSAGES/<domain>.po``
at start-up; fuzzy entries are never used.
"""

from __future__ import annotations

import contextvars
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import msgspec
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

REPORTER = "reporter"
OFFICER = "officer"


class Language(msgspec.Struct, frozen=True):
    """One supported language. ``code`` is what appears in URLs, ``bcp47`` goes in ``<html lang>``."""

    code: str
    bcp47: str
    babel_locale: str
    native_name: str
    direction: str = "ltr"


# Adding a reporter language: one line here, plus locales/<code>/LC_MESSAGES/reporter.po.
LANGUAGES: tuple[Language, ...] = (
    Language("en", "en", "en_CA", "English"),
    Language("fr", "fr", "fr_CA", "Français"),
    Language("es", "es", "es", "Español"),
    Language("tl", "tl", "fil", "Tagalog"),
    Language("hi", "hi", "hi", "हिन्दी"),
    Language("pa", "pa-Guru", "pa_Guru", "ਪੰਜਾਬੀ"),
    Language("vi", "vi", "vi", "Tiếng Việt"),
    Language("zh", "zh-Hans", "zh_Hans", "中文（简体）"),
)
BY_CODE = {lang.code: lang for lang in LANGUAGES}
DEFAULT = BY_CODE["en"]
# The officer workspace is in Canada's official languages.
OFFICER_LANGUAGES: tuple[Language, ...] = (BY_CODE["en"], BY_CODE["fr"])
DOMAIN_LANGUAGES = {REPORTER: LANGUAGES, OFFICER: OFFICER_LANGUAGES}
# The language strings are written in; its catalogue exists for completeness checks.
SOURCE_LANGUAGE = "en"


def locales_dir() -> Path:
    override = os.environ.get("SIGNALEMENT_LOCALES_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "locales"


def catalogue_path(code: str, domain: str) -> Path:
    return locales_dir() / code / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(code: str, domain: str) -> NullTranslations:
    """Compiled translations for one language and domain (fuzzy entries excluded)."""
    path = catalogue_path(code, domain)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=BY_CODE[code].babel_locale if code in BY_CODE else None)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=domain)


_language: contextvars.ContextVar[Language] = contextvars.ContextVar("language", default=DEFAULT)
_domain: contextvars.ContextVar[str] = contextvars.ContextVar("domain", default=REPORTER)


def current_language() -> Language:
    return _language.get()


def activate(code: str, domain: str = REPORTER) -> Language:
    """Make ``code`` the language for the rest of this request (task)."""
    lang = BY_CODE.get(code, DEFAULT)
    _language.set(lang)
    _domain.set(domain)
    return lang


@contextmanager
def using(code: str, domain: str = REPORTER) -> Iterator[Language]:
    """Temporarily translate into ``code`` (for SMS, exports, tests)."""
    t1 = _language.set(BY_CODE.get(code, DEFAULT))
    t2 = _domain.set(domain)
    try:
        yield _language.get()
    finally:
        _language.reset(t1)
        _domain.reset(t2)


def gettext(message: str, **params: object) -> str:
    text = translations(_language.get().code, _domain.get()).ugettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(_language.get().code, _domain.get()).ungettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


def negotiate(accept_language: str | None, available: tuple[Language, ...] = LANGUAGES) -> Language:
    """Pick the best language from an Accept-Language header; English if nothing matches."""
    if not accept_language:
        return DEFAULT
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, q = part.strip().partition(";")
        weight = 1.0
        if q.strip().startswith("q="):
            try:
                weight = float(q.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            wanted.append((-weight, index, tag.strip().lower()))
    by_prefix = {lang.code: lang for lang in available}
    aliases = {"fil": "tl", "pa-guru": "pa", "zh-hans": "zh", "zh-cn": "zh", "zh-sg": "zh"}
    for weight, _index, tag in sorted(wanted):
        if weight == 0:
            continue
        tag = aliases.get(tag, tag)
        primary = aliases.get(tag.split("-")[0], tag.split("-")[0])
        if tag in by_prefix:
            return by_prefix[tag]
        if primary in by_prefix:
            return by_prefix[primary]
    return DEFAULT
