"""The trained category opinion (decision 0021): add only, explained, exact, deterministic, never stale.

It may add a category the rules missed, with the urgency the policy gives that category; it never removes a
category (``other`` gives way, as the policy says), never lowers an urgency, and names its probability and the
words that weighed most. Its weights are checked against the labelled sets they were trained on, and the
service's pure-Python reading against the probabilities the (numpy) trainer computed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from signalement.officer.glosses import gloss
from signalement.triage.category_opinion import (
    RULE_ID,
    CategoryModelError,
    CategoryOpinion,
    default_model,
    read_model,
)
from signalement.triage.evaluation import read_labelled
from signalement.triage.rulebook import default_rulebook
from signalement.triage.scoring import TriageInput, classify, read_text
from signalement.triage.second_opinion import text_tokens, training_fingerprint
from signalement.triage.taxonomy import URGENCY_RANK, urgency_of
from support.triage import WRITTEN_AFTER_V3

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEV_SET = Path(os.environ.get("SIGNALEMENT_TRIAGE_DEV", REPO.parent / "shared" / "data" / "triage" / "dev.jsonl"))
RETRAIN = (
    "the category opinion is stale: retrain it on the labelled sets as they are now, from the repository root, "
    "with `.venv/bin/python benchmarks/train_categories.py --write` (pip install -e '.[train]'), and commit "
    "src/signalement/triage/category_opinion.json (decision 0021: a retrained model needs a new blind round)"
)
# Labelled sets added after the shipped model was fixed, each left out of its training on purpose.
# (Round 17 judged v1 and is in v2's training; round 18 judged v2 and is in v3's.) Rounds 19-34 were
# written blind and judged v3 (``WRITTEN_AFTER_V3``, shared with the second opinion's tests).
NOT_TRAINED_ON: set[str] = set(WRITTEN_AFTER_V3)
# Written for these tests, in no labelled set: the rules miss the category, the opinion adds it.
ADDED_PROBES = (
    ("en", "after i asked about my overtime the supervisor gave me only two shifts this week", "reprisal"),
)


def labelled() -> list[tuple[str, str]]:
    return [(e.lang, e.text) for path in sorted(HERE.glob("*.jsonl")) for e in read_labelled(path)]


def test_the_shipped_model_was_trained_on_the_labelled_sets_as_they_are() -> None:
    record = read_model().training
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in HERE.glob("*.jsonl")
             if path.name not in NOT_TRAINED_ON}
    assert NOT_TRAINED_ON.isdisjoint(record.files), "a set it was trained on is listed as left out"
    trained_on = {name: digest for name, digest in record.files.items() if name != DEV_SET.name}
    assert files == trained_on, RETRAIN
    if DEV_SET.exists():
        assert hashlib.sha256(DEV_SET.read_bytes()).hexdigest() == record.files[DEV_SET.name], RETRAIN
    assert training_fingerprint(record.files, record.settings) == record.fingerprint, RETRAIN


def test_the_service_reads_the_weights_as_the_trainer_did() -> None:
    model, book = default_model(), default_rulebook()
    assert len(model.checks) >= 10
    for text, expected in model.checks:
        got = model.probabilities(text_tokens(text, book.segmenter), cached=False)
        assert got == pytest.approx(expected, abs=1e-7)


def test_cached_and_uncached_scores_agree_exactly() -> None:
    model, book = default_model(), default_rulebook()
    token_lists = [text_tokens(text, book.segmenter) for _, text in labelled()[::3]]
    cold = [model.scores(tokens, cached=False) for tokens in token_lists]
    model._cache.clear()  # noqa: SLF001 - a cache filled in another order must not change a bit
    warm = [model.scores(tokens) for tokens in reversed(token_lists)][::-1]
    assert warm == cold


def test_an_empty_text_scores_the_biases_alone() -> None:
    model = default_model()
    assert model.scores([]) == model.scores([], cached=False)
    assert model.above([]) == [(code, p, ()) for code, p, _ in model.above([])]


def test_the_opinion_only_adds_categories_and_only_raises_urgency() -> None:
    added_any = 0
    for language, text in labelled():
        inp = TriageInput(language=language, text=text)
        rules = classify(inp)
        both = classify(inp, category_opinion=True)
        added = set(both.categories) - set(rules.categories)
        assert set(rules.categories) - {"other"} <= set(both.categories)
        assert ("other" in both.categories) == (both.categories == ("other",))
        reasons = [r for r in both.reasons if r.rule.startswith(f"{RULE_ID}.")]
        assert {r.category for r in reasons} == added
        assert URGENCY_RANK[both.urgency] <= URGENCY_RANK[rules.urgency]
        if added:
            added_any += 1
            expected = min(URGENCY_RANK[rules.urgency], *(URGENCY_RANK[urgency_of(c)] for c in added))
            assert URGENCY_RANK[both.urgency] == expected
            assert "default.other" not in {r.rule for r in both.reasons}
        else:
            assert both == rules
    assert added_any > 0


@pytest.mark.parametrize(("language", "text", "category"), ADDED_PROBES)
def test_an_addition_names_its_category_probability_and_words(language: str, text: str, category: str) -> None:
    inp = TriageInput(language=language, text=text)
    assert category not in classify(inp).categories
    decision = classify(inp, second_opinion=True)
    assert category in decision.categories
    (reason,) = [r for r in decision.reasons if r.rule == f"{RULE_ID}.{category}"]
    assert reason.source == "model" and reason.category == category
    assert reason.urgency == (None if urgency_of(category) == "standard" else urgency_of(category))
    tokens = text_tokens(text, default_rulebook().segmenter)
    assert 1 <= len(reason.matched) <= 3 and set(reason.matched) <= set(tokens)
    (probability,) = reason.concepts
    column = default_model().categories.index(category)
    assert float(probability[2:]) >= default_model().thresholds[column] - 0.005
    glossed = gloss(msgspec.to_builtins(reason), {reason.rule: list(reason.matched)}, text)
    assert glossed is not None and probability[2:] in glossed.gloss and glossed.words


@pytest.mark.parametrize(("language", "text", "category"), ADDED_PROBES)
def test_a_story_read_text_by_text_gets_the_addition_too(language: str, text: str, category: str) -> None:
    """SMS seals each text as it arrives: the addition travels in the reading (code and probability, no
    words); the words go with the matches sealed beside the text."""
    reading, matches = read_text(text, language, second_opinion=True)
    assert category in dict(reading.model_categories)
    assert matches[f"{RULE_ID}.{category}"]
    plain, _ = read_text(text, language)
    assert plain.model_categories == ()
    story = TriageInput(language=language, text="", readings=(reading,))
    assert category not in classify(story).categories
    decision = classify(story, second_opinion=True)
    assert category in decision.categories
    (reason,) = [r for r in decision.reasons if r.rule == f"{RULE_ID}.{category}"]
    assert reason.matched == ()
    assert reason.concepts == (f"p={dict(reading.model_categories)[category]:.2f}",)


_DIGEST = """
import hashlib, json, sys
from signalement.triage.scoring import TriageInput, classify
from signalement.triage.category_opinion import default_model
from signalement.triage.rulebook import default_rulebook
rows = json.load(sys.stdin)
book, model = default_rulebook(), default_model()
out = [repr(model.scores(book.match_tokens(t)[2])) for _, t in rows]
out += [repr(classify(TriageInput(language=l, text=t), second_opinion=True)) for l, t in rows]
print(hashlib.sha256(json.dumps(out).encode()).hexdigest())
"""


def test_the_opinion_does_not_depend_on_the_hash_seed() -> None:
    rows = labelled()[::7]
    digests = set()
    for seed in ("0", "1", "4242"):
        done = subprocess.run([sys.executable, "-c", _DIGEST], input=json.dumps(rows), capture_output=True,
                              text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_a_damaged_model_file_is_refused() -> None:
    data = read_model()
    with pytest.raises(CategoryModelError):
        CategoryOpinion(msgspec.structs.replace(data, version=99))
    with pytest.raises(CategoryModelError):
        CategoryOpinion(msgspec.structs.replace(data, table_sha256="0" * 64))
    with pytest.raises(CategoryModelError):
        CategoryOpinion(msgspec.structs.replace(data, bits=data.bits + 1))
    with pytest.raises(CategoryModelError):
        CategoryOpinion(msgspec.structs.replace(data, bits=data.bits - 1))
    with pytest.raises(CategoryModelError):
        CategoryOpinion(msgspec.structs.replace(data, thresholds=data.thresholds[:-1]))


def test_hostile_text_is_read_without_error() -> None:
    model = default_model()
    for text in ("", "a" * 50_000, "\ud800 \udfff", "\x00" * 10, "💥" * 1000):
        tokens = text_tokens(text, default_rulebook().segmenter)
        assert len(model.scores(tokens)) == len(model.categories)
        classify(TriageInput(text=text), second_opinion=True)
