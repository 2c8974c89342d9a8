"""Every error a reporter can meet is a calm page in their language, with Quick exit, and no detail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.reporter.reporting import FLOW, Reporter, said
from signalement import i18n
from signalement.intake import IntakeService
from signalement.vault.kdf import KdfBusyError

FRENCH = {
    "Something was not right": "Quelque chose n'allait pas",
    "This page has expired": "Cette page a expiré",
    "Page not found": "Page introuvable",
    "Too big": "Trop gros",
    "Something went wrong": "Un problème est survenu",
    "Where did this happen?": "Où cela s'est-il passé?",
    "Choose a province or territory, or choose I do not know.": "Choisissez une province ou un territoire.",
}


@pytest.fixture
def french_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A small French catalogue, to prove pages are translated where they are rendered."""
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    entries = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in FRENCH.items())
    (folder / "reporter.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n' + entries
    )
    monkeypatch.setenv("SIGNALEMENT_LOCALES_DIR", str(tmp_path))
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def assert_calm(text: str, lang: str, title: str) -> None:
    assert f'<html lang="{lang}"' in text and 'id="quick-exit"' in text and f"<h1>{title}</h1>" in text
    assert "Traceback" not in text and "Exception" not in text and "signalement." not in text


async def test_a_forged_draft_gets_a_calm_400_page(reporter: Reporter, french_catalogue: None) -> None:
    await reporter.get("/fr/report")
    page = await reporter.post(
        "/fr/report", {"draft": "dev-x.AAAAforged", "action": "next"}, keep=("_csrf_token",)
    )
    assert page.status == 400
    assert_calm(page.text, "fr", FRENCH["Something was not right"])


async def test_a_missing_token_gets_a_calm_403_page(client: Any, french_catalogue: None) -> None:
    await client.get("/fr/report")
    r = await client.post("/fr/report", data={"x": "y"})
    assert r.status_code == 403
    assert_calm(r.text, "fr", FRENCH["This page has expired"])


async def test_a_missing_token_in_the_portal_asks_to_sign_in_again(client: Any) -> None:
    await client.get("/fr/follow-up")
    r = await client.post("/fr/follow-up/view", data={"token": "anything"})
    assert r.status_code == 403 and '<html lang="fr"' in r.text and 'name="token"' not in r.text
    expected = "This page has expired. To keep your case safe, please enter your case code and secret again."
    assert said("fr", expected) in r.text and said("fr", expected) != expected


@pytest.mark.parametrize("path", ["/fr/nothing-here", "/fr/report/nothing", "/fr/follow-up/anything"])
async def test_an_unknown_page_gets_a_calm_404(client: Any, path: str, french_catalogue: None) -> None:
    r = await client.get(path)
    assert r.status_code == 404
    assert_calm(r.text, "fr", FRENCH["Page not found"])


async def test_an_unknown_language_gets_a_404_in_the_browsers_language(client: Any) -> None:
    r = await client.get("/xx/report", headers={"accept-language": "pa-IN,pa;q=0.9"})
    assert r.status_code == 404 and '<html lang="pa-Guru"' in r.text


async def test_the_wrong_method_gets_a_calm_page(client: Any, french_catalogue: None) -> None:
    r = await client.get("/fr/report/evidence")
    assert r.status_code == 405
    assert_calm(r.text, "fr", FRENCH["Page not found"])


async def test_a_body_over_the_cap_gets_a_calm_413_and_never_a_temporary_file(
    reporter: Reporter, french_catalogue: None
) -> None:
    await reporter.get("/fr/report")
    r = await reporter.client.post(
        "/fr/report", data={"_csrf_token": reporter.page.csrf(), "narrative": "a" * 2_200_000}
    )
    assert r.status_code == 413
    assert_calm(r.text, "fr", FRENCH["Too big"])
    # A multipart body (which Litestar would spool to a temporary file) is refused before it is read at all.
    r = await reporter.client.post(
        "/fr/report",
        files=[("narrative", ("x.txt", b"a" * 1_500_000, "text/plain"))],
        data={"_csrf_token": reporter.page.csrf()},
    )
    assert r.status_code == 400
    assert_calm(r.text, "fr", FRENCH["Something was not right"])


async def test_a_failure_inside_intake_gets_a_calm_500_with_an_error_number(
    reporter: Reporter, monkeypatch: pytest.MonkeyPatch, french_catalogue: None
) -> None:
    async def broken(self: IntakeService, sub: object) -> None:
        raise RuntimeError("database on fire: narrative=Le patron a pris mon passeport")

    await reporter.fill()
    monkeypatch.setattr(IntakeService, "submit", broken)
    page = await reporter.step({"action": "submit"}, lang="fr")
    assert page.status == 500
    assert_calm(page.text, "fr", FRENCH["Something went wrong"])
    assert "passeport" not in page.text and "on fire" not in page.text


async def test_a_busy_key_pool_keeps_the_review_page_and_asks_to_send_again(
    reporter: Reporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def busy(self: IntakeService, sub: object) -> None:
        raise KdfBusyError

    await reporter.fill()
    monkeypatch.setattr(IntakeService, "submit", busy)
    page = await reporter.submit()
    assert (
        page.status == 503 and page.h1 == "Check your report" and "Your report is not sent yet" in page.text
    )
    monkeypatch.undo()
    assert (await reporter.submit()).h1 == "Your report was sent"


async def test_a_validation_error_is_shown_in_the_pages_language(
    reporter: Reporter, french_catalogue: None
) -> None:
    await reporter.get("/fr/report")
    for data in FLOW[:2]:
        await reporter.step(data, lang="fr")
    page = await reporter.step({"province": "", "action": "next"}, lang="fr")
    assert page.status == 400 and page.h1 == FRENCH["Where did this happen?"]
    assert page.errors() == [FRENCH["Choose a province or territory, or choose I do not know."]]
