"""Every phone prompt in every language: translated, spoken by a Twilio voice for that language, neutral."""

from __future__ import annotations

import pytest

from signalement import i18n
from signalement.channels import voice_texts as t

PARAMS = {"LANGUAGE_CHOICE": {"digit": 7}, "MESSAGES_WAITING": {"count": 12}}
SHARED = ("TOO_MANY", "NO_MESSAGE", "NOT_UNDERSTOOD")  # the SMS channel's messages, tested there
OWN = {name: getattr(t, name) for name in dir(t)
       if name.isupper() and isinstance(getattr(t, name), str) and name not in SHARED}
# Locales Twilio's <Say> voices speak (Amazon Polly and Google voices listed by Twilio).
LOCALES = {"en": "en-US", "fr": "fr-CA", "es": "es-MX", "tl": "fil-PH", "hi": "hi-IN", "pa": "pa-IN", "vi": "vi-VN",
           "zh": "cmn-CN"}


@pytest.mark.parametrize("lang", [lang.code for lang in i18n.LANGUAGES])
@pytest.mark.parametrize("name", sorted(OWN))
def test_every_prompt_is_translated_and_keeps_its_placeholders(name: str, lang: str) -> None:
    text = t.text(lang, OWN[name], **PARAMS.get(name, {}))
    assert text.strip()
    if lang != "en":
        assert i18n.translations(lang, i18n.REPORTER).ugettext(OWN[name]) != OWN[name], (name, lang)
    for value in PARAMS.get(name, {}).values():
        assert str(value) in text  # a lost placeholder would press the wrong key or drop the count


def test_every_language_has_a_voice_for_its_own_locale_and_names_itself_in_the_menu() -> None:
    assert set(t.VOICES) == {lang.code for lang in i18n.LANGUAGES}
    for code, voice in t.VOICES.items():
        assert voice.language == LOCALES[code]
        assert voice.name.startswith(("Polly.", "Google."))
        if voice.name.startswith("Google."):
            assert voice.name.startswith(f"Google.{voice.language}-")
    choices = {t.text(lang.code, t.LANGUAGE_CHOICE, digit=1) for lang in i18n.LANGUAGES}
    assert len(choices) == 8  # each language says its own sentence


@pytest.mark.parametrize("lang", [lang.code for lang in i18n.LANGUAGES])
def test_no_prompt_names_the_service_as_a_tip_line(lang: str) -> None:
    """Someone may be standing next to the caller: prompts say nothing that marks the line."""
    for name, message in OWN.items():
        text = t.text(lang, message, **PARAMS.get(name, {})).casefold()
        for word in ("tip line", "hotline", "ligne de", "denunc", "dénonc", "complaint", "plainte", "esdc", "edsc"):
            assert word not in text, (name, lang, word)


def test_digits_are_read_one_at_a_time_in_groups() -> None:
    assert t.spoken_digits("897-680-631", 3) == ["8, 9, 7", "6, 8, 0", "6, 3, 1"]
    assert t.spoken_digits("7178 6895 3108 9201", 4) == ["7, 1, 7, 8", "6, 8, 9, 5", "3, 1, 0, 8", "9, 2, 0, 1"]
    assert t.spoken_digits("", 3) == []
