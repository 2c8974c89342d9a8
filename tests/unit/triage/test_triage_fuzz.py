"""Hostile input: classify never raises, always answers within the taxonomy, and is deterministic."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalement.triage import CATEGORIES, URGENCIES, TriageInput, classify
from signalement.triage.rulebook import default_rulebook

# Pieces an attacker or a broken client might send: controls, bidi overrides, zero-width
# joiners, combining marks, surrogate-free astral characters, scripts of every reporter language.
HOSTILE = st.sampled_from(
    [
        "\x00", "\x1b[31m", "\r\n", "\t", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u0301" * 50,
        "\U0001f525", "ﷺ", "ǅ", "ß", "İ", "ﬃ", "①", "²", "٣", "𝟗", "locked", "knife", "kill myself", "now",
        "passport", "ਬੰਦ", "खून", "打", "锁", "đánh", "ikinulong", "~", "*", "@NOT", "<12-24>", "|", "'",
        "n't", "9" * 5000, "a" * 3000, "\u0915\u093c\u094d", "\u0a38\u0a71\u0a1f",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=40), HOSTILE), max_size=30).map("".join)
LANGUAGES = ["en", "fr", "es", "tl", "hi", "pa", "vi", "zh"]
CODES = st.lists(st.one_of(st.sampled_from(CATEGORIES), st.text(max_size=12)), max_size=5).map(tuple)


def check(decision) -> None:
    assert decision.urgency in URGENCIES
    assert decision.categories and set(decision.categories) <= set(CATEGORIES)
    assert list(decision.categories) == sorted(decision.categories, key=CATEGORIES.index)
    assert all(r.source in {"answer", "rule", "default"} for r in decision.reasons)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=TEXT,
    categories=CODES,
    danger=st.one_of(st.sampled_from(["yes", "no", "unsure", "YES"]), st.text(max_size=8)),
    language=st.one_of(st.sampled_from(LANGUAGES), st.text(max_size=5)),
)
def test_classify_never_raises_and_is_deterministic(text, categories, danger, language):
    inp = TriageInput(text=text, categories=categories, danger_now=danger, language=language)
    first = classify(inp)
    check(first)
    assert classify(inp) == first
    # A fresh copy of the same input, after other work filled the token cache, decides the same.
    again = TriageInput(text=str(text), categories=categories, danger_now=danger, language=language)
    assert classify(again) == first


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=2000))
def test_any_unicode_text_tokenizes_without_error(text):
    book = default_rulebook()
    hits, signals = book.match(text)
    assert all(hit.rule.rule_id for hit in hits)
    assert isinstance(signals, frozenset)


def test_a_megabyte_of_text_is_handled():
    decision = classify(TriageInput(text="no pay " * 150_000 + " they locked us in"))
    check(decision)
    assert "confinement" in decision.categories


def test_wrongly_typed_fields_do_not_crash_the_engine():
    decision = classify(TriageInput(text=None, categories=None, danger_now=None))  # type: ignore[arg-type]
    assert decision.categories == ("other",)
