"""The reporter's words: all extracted into the ``reporter`` domain, in a shape translators can keep."""

from __future__ import annotations

import re

import pytest

from signalement import catalogues, i18n

PLACEHOLDER_OR_TEXT = re.compile(r"^(?:[^%]|%\(\w+\)[sd])*$")
OURS = ("reporter/", "templates/reporter/", "evidence.py")


def reporter_messages() -> list[tuple[str, list[str]]]:
    catalog = catalogues.extract()[i18n.REPORTER]
    out = []
    for message in catalog:
        if not message.id:
            continue
        files = [path for path, _line in message.locations]
        if any(f.startswith(OURS) for f in files):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            out.extend((text, files) for text in ids)
    return out


def test_the_reporter_pages_have_their_words_in_the_reporter_domain() -> None:
    texts = {text for text, _ in reporter_messages()}
    for wanted in (
        "Is anyone in danger right now?",
        "Call %(number)s now.",
        "Your report was sent",
        "We can only accept photos (JPEG, PNG, WebP) and PDF files.",
        "Was this easy to use?",
    ):
        assert wanted in texts
    for path in ("reporter/report.py", "templates/reporter/report/review.html", "evidence.py"):
        assert catalogues.domain_of(path) == i18n.REPORTER


@pytest.mark.parametrize(("text", "files"), reporter_messages())
def test_a_message_has_no_stray_percent_sign_and_no_markup(text: str, files: list[str]) -> None:
    # Jinja's gettext always %-formats: a bare "%" breaks the page in every language at once.
    assert PLACEHOLDER_OR_TEXT.match(text), (text, files)
    assert "<" not in text and ">" not in text, (text, files)
