"""Reporter languages named in the staff member's language, with the language's own name where it helps."""

from __future__ import annotations

import datetime as dt

import pytest

from signalement import i18n
from signalement.staff.wording import StaffWording

EXPECTED = {
    "en": {"en": "English", "fr": "French", "es": "Spanish", "tl": "Tagalog", "hi": "Hindi",
           "pa": "Punjabi (Gurmukhi)", "vi": "Vietnamese", "zh": "Chinese (Simplified)"},
    "fr": {"en": "anglais", "fr": "français", "es": "espagnol", "tl": "tagalog", "hi": "hindi",
           "pa": "pendjabi (gourmoukhî)", "vi": "vietnamien", "zh": "chinois (idéogrammes han simplifiés)"},
}


@pytest.mark.parametrize("reader", sorted(EXPECTED))
def test_every_reporter_language_is_named_in_the_readers_language(reader: str) -> None:
    ui = StaffWording(i18n.BY_CODE[reader], dt.datetime.now(dt.UTC))
    assert {lang.code: ui.language_name(lang.code) for lang in i18n.LANGUAGES} == EXPECTED[reader]


def test_the_native_name_is_added_only_where_it_differs() -> None:
    ui = StaffWording(i18n.BY_CODE["en"], dt.datetime.now(dt.UTC))
    assert ui.language_label("pa") == "Punjabi (Gurmukhi) – ਪੰਜਾਬੀ"
    assert ui.language_label("en") == "English" and ui.native_name("en") == ""
    assert ui.language_label("tl") == "Tagalog"  # its own name is the same word
    assert ui.bcp47("zh") == "zh-Hans" and ui.language_name("xx") == "xx"
