"""Glosses of matched triage words: every rule has one, and Punjabi, Vietnamese, Chinese and Hindi words
about held passports read as such in English and in French, beside the reporter's own script."""

from __future__ import annotations

import re

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalement import i18n, triage
from signalement.officer.glosses import RULE_GLOSSES, gloss, rule_gloss, surface_words
from signalement.triage.rulebook import read_rule_file, rule_paths

SCRIPTS = {"pa": r"[\u0A00-\u0A7F]", "hi": r"[\u0900-\u097F]", "zh": r"[\u4E00-\u9FFF]", "vi": r"[a-z]"}
HELD_PASSPORTS = {
    "pa": "ਉਸ ਨੇ ਸਾਡੇ ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ ਹੋਏ ਹਨ",
    "vi": "Chủ giữ hộ chiếu của chúng tôi",
    "zh": "老板扣了我们的护照",
    "hi": "मेरे मालिक ने मेरा पासपोर्ट रख लिया है",
}


def _rule_ids() -> dict[str, set[str]]:
    files = [read_rule_file(p) for p in rule_paths()]
    return {f.language: {r.id for r in f.rule} for f in files}


def test_every_glossed_rule_is_a_rule_some_file_has() -> None:
    known = set().union(*_rule_ids().values())
    assert set(RULE_GLOSSES) - known == set()


def test_every_rule_of_every_language_has_a_gloss_in_both_officer_languages() -> None:
    for code in ("en", "fr"):
        with i18n.using(code, i18n.OFFICER):
            missing = [f"{lang}.{rid}" for lang, ids in _rule_ids().items() for rid in ids
                       if not rule_gloss(f"{lang}.{rid}")]
        assert missing == [], code


def test_a_reason_that_is_not_a_keyword_rule_has_no_gloss() -> None:
    assert rule_gloss("policy.needs_human_look") == ""
    assert gloss({"rule": "pa.documents.kept"}, {}) is None


@pytest.mark.parametrize("language", sorted(HELD_PASSPORTS))
def test_held_passports_are_glossed_beside_the_reporters_words(language: str) -> None:
    decision = triage.classify(triage.TriageInput(
        categories=(), danger_now="no", channel="web", language=language, province="ON",
        text=HELD_PASSPORTS[language],
    ))
    # Stored as intake stores them: the reasons without words, the words sealed apart.
    reasons = [msgspec.to_builtins(msgspec.structs.replace(r, matched=())) for r in decision.reasons]
    matches = {r.rule: list(r.matched) for r in decision.reasons if r.matched}
    reason = next(r for r in reasons if r["rule"] == f"{language}.documents.kept")
    expected = {"en": "passport or papers held by someone else", "fr": "passeport ou papiers gardés par"}
    for officer_language, meaning in expected.items():
        with i18n.using(officer_language, i18n.OFFICER):
            glossed = gloss(reason, matches, HELD_PASSPORTS[language])
        assert glossed is not None
        assert meaning in glossed.gloss
        assert all(re.search(SCRIPTS[language], word) for word in glossed.words), glossed.words


def test_the_words_are_quoted_as_the_reporter_typed_them_not_as_folded_for_matching() -> None:
    assert surface_words("ਉਸ ਨੇ ਸਾਡੇ ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ ਹੋਏ ਹਨ", ["ਪਾਸਪੋਰਟ ਵਿ ਰਖੇ"]) == ("ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ",)
    assert surface_words("Chủ giữ hộ chiếu, không trả lương.", ["giu ho chieu", "khong tra luong"]) == (
        "giữ hộ chiếu", "không trả lương")
    assert surface_words("老板扣了我们的护照，还不给工资", ["扣 了 我们 的 护照", "不给 工资"]) == (
        "扣了我们的护照", "不给工资")
    assert surface_words("The BOSS keeps our Passports!", ["keeps our passports"]) == ("keeps our Passports",)
    # Not in the text (a truncated quote, another text): as quoted.
    assert surface_words("something else", ["giu ho chieu"]) == ("giu ho chieu",)
    assert surface_words("", ["giu ho chieu"]) == ("giu ho chieu",)


@given(st.text(max_size=200), st.lists(st.text(min_size=1, max_size=20), max_size=3))
def test_quoting_any_text_gives_the_phrase_or_a_piece_of_the_text(text: str, phrases: list[str]) -> None:
    for phrase, quoted in zip(phrases, surface_words(text, phrases), strict=True):
        assert quoted == phrase or quoted in text
