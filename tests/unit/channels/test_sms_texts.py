"""Every SMS text in every language: translated, neutral, and within its segment budget.

GSM-7 texts get 160 characters in one segment (153 a part when split); one character outside the
GSM alphabet (an accent such as ê, any Devanagari, Gurmukhi or Chinese) makes the whole text UCS-2,
70 characters (67 a part).
"""

from __future__ import annotations

import pytest

from signalement import i18n
from signalement.channels import sms_texts as t
from signalement.channels.segments import encoding_of, segments

PARAMS = {"RECEIPT": {"code": "123-456-789", "secret": "1234 5678 9012 3456"}, "FOLLOWUP_WAITING": {"count": 12},
          "STORY_COUNT": {"count": 12},
          "TIMED_OUT": {"minutes": 30}}
# Segments each text may take, in its longest language. The category menu is the one long list.
BUDGET = {"CATEGORY_MENU": 4, "RECEIPT": 3}
MESSAGES = {name: getattr(t, name) for name in dir(t)
            if name.isupper() and isinstance(getattr(t, name), str) and name != "LANGUAGE_MENU"}
MESSAGES.update({f"STATUS_{k}": v for k, v in t.STATUS.items()})


@pytest.mark.parametrize("lang", [lang.code for lang in i18n.LANGUAGES])
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_text_is_translated_and_within_its_segment_budget(name: str, lang: str) -> None:
    text = t.text(lang, MESSAGES[name], **PARAMS.get(name, {}))
    assert text.strip()
    if lang != "en" and name not in ("FOLLOWUP_WAITING",):
        with i18n.using(lang):
            assert i18n.translations(lang, i18n.REPORTER).ugettext(MESSAGES[name]) != MESSAGES[name] or lang == "tl"
    assert segments(text) <= BUDGET.get(name, 2), (name, lang, segments(text), encoding_of(text))
    for value in PARAMS.get(name, {}).values():
        assert str(value) in text  # a placeholder lost in translation would drop the case code


@pytest.mark.parametrize("lang", [lang.code for lang in i18n.LANGUAGES])
def test_no_text_names_the_service_as_a_tip_line(lang: str) -> None:
    """Someone else may read the phone: texts say nothing that marks the sender."""
    for name, message in MESSAGES.items():
        text = t.text(lang, message, **PARAMS.get(name, {})).casefold()
        for word in ("tip line", "hotline", "ligne de", "denunc", "dénonc", "complaint", "plainte", "esdc", "edsc"):
            assert word not in text, (name, lang, word)


def test_the_language_menu_names_all_eight_languages_in_two_segments() -> None:
    for n, lang in enumerate(i18n.LANGUAGES, 1):
        assert f"{n} {lang.native_name}" in t.LANGUAGE_MENU
    assert segments(t.LANGUAGE_MENU) <= 2


def test_segment_counts_follow_gsm7_and_ucs2_limits() -> None:
    assert segments("") == 0
    assert (segments("a" * 160), segments("a" * 161)) == (1, 2)
    assert (segments("a" * 306), segments("a" * 307)) == (2, 3)
    assert encoding_of("Déjà à l'école") == "gsm7"  # é, à and the GSM's own letters stay GSM-7
    assert encoding_of("Êtes-vous") == "ucs2" and encoding_of("ç") == "ucs2"  # Ê and lower-case ç are not in it
    assert (segments("ê" * 70), segments("ê" * 71)) == (1, 2)
    assert (segments("ê" * 134), segments("ê" * 135)) == (2, 3)
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # extension characters count twice
    assert segments("😀" * 35) == 1 and segments("😀" * 36) == 2  # beyond the BMP: two UCS-2 units each
    assert segments("帮助" * 35) == 1 and segments("帮助" * 36) == 2
