"""``signalement i18n check`` (run by ``make test``) passes on the catalogues we ship and catches each kind of
problem it promises to: a missing, untranslated, fuzzy or stale entry, and a placeholder that differs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from signalement import catalogues, i18n

SHIPPED = Path(__file__).resolve().parents[2] / "locales"


def test_the_shipped_catalogues_are_complete() -> None:
    assert catalogues.check() == []


@pytest.fixture(scope="module")
def strings_in_the_code() -> dict[str, Catalog]:
    """What ``extract`` finds in the code and templates (parsing them all is most of a check's time)."""
    return catalogues.extract()


@pytest.fixture
def spanish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, strings_in_the_code: dict[str, Catalog]) -> Path:
    """A copy of the shipped catalogues to break. The code does not change between these tests, so ``check``
    reuses one extraction of it; ``test_the_shipped_catalogues_are_complete`` runs the whole check."""
    monkeypatch.setattr(catalogues, "extract", lambda: strings_in_the_code)
    shutil.copytree(SHIPPED, tmp_path / "locales")
    monkeypatch.setenv("SIGNALEMENT_LOCALES_DIR", str(tmp_path / "locales"))
    return tmp_path / "locales" / "es" / "LC_MESSAGES" / "reporter.po"


def _edit(path: Path, change) -> None:  # noqa: ANN001 - a function that edits the catalogue in place
    with path.open("rb") as fh:
        catalog = read_po(fh)
    change(catalog)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def _placeholder_id(catalog) -> str:  # noqa: ANN001
    return next(m.id for m in catalog if isinstance(m.id, str) and "%(number)s" in m.id)


@pytest.mark.parametrize(("kind", "change"), [
    ("missing", lambda c: c.delete("Quick exit")),
    ("untranslated", lambda c: setattr(c["Quick exit"], "string", "")),
    ("fuzzy", lambda c: c["Quick exit"].flags.add("fuzzy")),
    ("stale", lambda c: c.add("A sentence the code no longer says", "Una frase")),
    ("placeholders differ", lambda c: setattr(c[_placeholder_id(c)], "string", "Llame al %(numero)s.")),
])
def test_each_kind_of_problem_is_reported(spanish: Path, kind: str, change) -> None:  # noqa: ANN001
    assert catalogues.check() == []  # the copy starts clean
    _edit(spanish, change)
    problems = catalogues.check()
    assert problems and all("locales/es/LC_MESSAGES/reporter.po" in p or "es/LC_MESSAGES" in p for p in problems)
    assert any(f": {kind}" in p for p in problems), problems


def test_a_missing_catalogue_is_reported(spanish: Path) -> None:
    spanish.unlink()
    assert any("catalogue missing" in p for p in catalogues.check())
    assert i18n.catalogue_path("es", i18n.REPORTER) == spanish
