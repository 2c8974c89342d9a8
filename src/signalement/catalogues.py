"""Extracting translatable strings and checking every catalogue is complete.

``signalement i18n check`` (run by ``make test``) fails on any message that
is missing from a catalogue, untranslated, fuzzy, stale (no longer in the
code), or whose ``%(name)s`` placeholders differ between source and
translation: a missing placeholder silently drops a case code from a page,
an extra one crashes the render.

Which domain a string belongs to is decided by where it is written
(``DOMAIN_OF``): staff-facing code and templates go to ``officer``,
everything else to ``reporter``.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from signalement import i18n

PACKAGE = Path(__file__).parent
OFFICER_PATTERNS = (
    "officer/*", "research/*", "staff/*", "templates/officer/*", "templates/research/*", "triage/definitions.py",
)
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS_MAP = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
SKIP = ("catalogues.py",)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def domain_of(relpath: str) -> str:
    return i18n.OFFICER if any(fnmatch.fnmatch(relpath, p) for p in OFFICER_PATTERNS) else i18n.REPORTER


def extract() -> dict[str, Catalog]:
    """Today's strings, by domain, straight from the code and templates."""
    catalogs = {d: Catalog(domain=d, project="signalement", charset="utf-8") for d in i18n.DOMAIN_LANGUAGES}
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, METHOD_MAP, OPTIONS_MAP, comment_tags=("TRANSLATORS:",), strip_comment_tags=True,
    ):
        if filename.endswith(SKIP) or not message:
            continue
        if isinstance(message, tuple) and not message[0]:
            continue
        catalogs[domain_of(filename)].add(message, None, [(filename, lineno)], auto_comments=comments,
                                          context=context)
    return catalogs


def _placeholders(text: str | tuple[str, ...] | list[str]) -> set[str]:
    parts = [text] if isinstance(text, str) else list(text)
    found: set[str] = set()
    for p in parts:
        found |= set(PLACEHOLDER.findall(p or ""))
    return found


def check() -> list[str]:
    """Every problem, one line each; an empty list means every catalogue is complete."""
    problems: list[str] = []
    for domain, template in extract().items():
        wanted = {m.id for m in template if m.id}
        for lang in i18n.DOMAIN_LANGUAGES[domain]:
            path = i18n.catalogue_path(lang.code, domain)
            root = i18n.locales_dir().parent
            rel = path.relative_to(root) if path.is_relative_to(root) else path
            if not path.exists():
                problems.append(f"{rel}: catalogue missing ({len(wanted)} messages)")
                continue
            with path.open("rb") as fh:
                catalog = read_po(fh)
            have = {m.id: m for m in catalog if m.id}
            for mid in sorted(wanted - set(have), key=str):
                problems.append(f"{rel}: missing: {_short(mid)}")
            for mid in sorted(set(have) - wanted, key=str):
                problems.append(f"{rel}: stale (no longer in the code): {_short(mid)}")
            for mid, msg in have.items():
                if mid not in wanted:
                    continue
                strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
                if not all(strings):
                    problems.append(f"{rel}: untranslated: {_short(mid)}")
                elif msg.fuzzy:
                    problems.append(f"{rel}: fuzzy: {_short(mid)}")
                elif _placeholders(mid) != _placeholders(msg.string or ""):
                    problems.append(f"{rel}: placeholders differ: {_short(mid)}")
    return problems


def _short(mid: str | tuple[str, ...] | list[str]) -> str:
    text = mid if isinstance(mid, str) else mid[0]
    return repr(text if len(text) < 70 else text[:67] + "...")


def extract_and_update() -> list[str]:
    """Write ``locales/<domain>.pot`` and merge it into every language's catalogue.

    New messages arrive untranslated (English is filled with the source text);
    ``check`` then lists what translators must do.
    """
    report = []
    for domain, template in extract().items():
        pot = i18n.locales_dir() / f"{domain}.pot"
        pot.parent.mkdir(parents=True, exist_ok=True)
        _write(pot, template)
        for lang in i18n.DOMAIN_LANGUAGES[domain]:
            path = i18n.catalogue_path(lang.code, domain)
            if path.exists():
                with path.open("rb") as fh:
                    catalog = read_po(fh, locale=lang.babel_locale)
            else:
                catalog = Catalog(locale=lang.babel_locale, domain=domain, project="signalement", charset="utf-8")
            catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_header_comment=False)
            catalog.obsolete.clear()
            if lang.code == i18n.SOURCE_LANGUAGE:
                for msg in catalog:
                    if not msg.id:
                        continue
                    if isinstance(msg.id, tuple | list):
                        if not (msg.string and all(msg.string)):
                            msg.string = tuple(msg.id)
                    elif not msg.string:
                        msg.string = msg.id
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path, catalog)
            report.append(f"{path}: {len([m for m in catalog if m.id])} messages")
    return report


def _write(path: Path, catalog: Catalog) -> None:
    buf = BytesIO()
    write_po(buf, catalog, width=100, sort_output=True, omit_header=False, include_previous=False)
    path.write_bytes(buf.getvalue())
