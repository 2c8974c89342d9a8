"""Folding and tokenization: what an analyst writes matches what a worker types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalement.triage.normalize import Segmenter, collapse_runs, fold, fold_surface, split_words, tokenize

NO_LEXICON = Segmenter([])


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("Mon employeur NE PAIE PAS", "mon employeur ne paie pas"),
        ("Chủ không trả lương", "chu khong tra luong"),
        ("Đánh đập", "danh dap"),
        ("Me corté la mano", "me corte la mano"),
        ("They didn\u2019t pay", "they didnt pay"),
        ("They didn't pay", "they didnt pay"),
        ("l'agence m’a dit", "l agence m a dit"),
        ("ＰＡＳＳＰＯＲＴ", "passport"),
        ("pass\u200bport", "passport"),
        ("pass\u202eport", "passport"),
        ("soft\u00adhyphen", "softhyphen"),
        ("cœur", "coeur"),
        ("maalik ne paise nahii diye", "malik ne paise nahi diye"),
        ("pleeeease help!!", "please help"),
        ("day-off, no_break", "day off no break"),
    ],
)
def test_folding_removes_what_workers_type_differently(typed, words):
    assert tokenize(fold(typed), NO_LEXICON) == words.split()


def test_devanagari_spelling_variants_fold_together():
    # नहीं / नही, ज़ / ज: dropped nasal marks and nukta, long vowels as short.
    assert fold("नहीं") == fold("नही") == fold("नहि")
    assert fold("ज़ब्त") == fold("जब्त")


def test_gurmukhi_spelling_variants_fold_together():
    assert fold("ਛੁੱਟੀ") == fold("ਛੁਟੀ")
    assert fold("ਕੰਮ") == fold("ਕਮ")


def test_chinese_is_segmented_by_longest_match_over_the_lexicon():
    segmenter = Segmenter(["打工", "工资", "我们"])
    assert tokenize(fold("我们打工的工资"), segmenter) == ["我们", "打工", "的", "工资"]
    # "打" (hit) stays a separate token only where no longer word claims it.
    assert "打" in tokenize(fold("他打我们"), segmenter)


def test_mixed_scripts_split_into_words_of_each_script():
    tokens = tokenize(fold("boss 老板 का मालिक ਮਾਲਕ lmia费"), Segmenter(["老板"]))
    assert tokens == ["boss", "老板", "का", "मालिक", "ਮਾਲਕ", "lmia", "费"]


def test_rule_words_keep_chinese_runs_whole():
    assert split_words(fold("扣工资 wages")) == ["扣工资", "wages"]


def test_the_danda_ends_a_hindi_word():
    assert tokenize(fold("नहीं मिली।"), NO_LEXICON) == [fold("नहीं"), fold("मिली")]


@given(st.text(max_size=300))
def test_quoted_and_matched_forms_always_have_the_same_number_of_tokens(text):
    surface = fold_surface(text)
    assert len(tokenize(surface, NO_LEXICON)) == len(tokenize(collapse_runs(surface), NO_LEXICON))


@given(st.text(max_size=300))
def test_folding_is_idempotent(text):
    once = fold(text)
    assert fold(once) == once
