"""The trained second opinion (decision 0020): raise only, explained, exact, deterministic, never stale."""

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
from signalement.triage.cli import main as cli_main
from signalement.triage.evaluation import read_labelled
from signalement.triage.rulebook import default_rulebook
from signalement.triage.scoring import TriageInput, classify, read_text
from signalement.triage.second_opinion import (
    RULE_ID,
    SecondOpinion,
    default_model,
    text_tokens,
    training_fingerprint,
)
from signalement.triage.taxonomy import URGENCY_RANK
from support.triage import WRITTEN_AFTER_V3

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEV_SET = Path(os.environ.get("SIGNALEMENT_TRIAGE_DEV", REPO.parent / "shared" / "data" / "triage" / "dev.jsonl"))
RETRAIN = (
    "the second opinion is stale: retrain it on the labelled sets as they are now, from the repository root, "
    "with `.venv/bin/python benchmarks/train_second_opinion.py --write`, and commit "
    "src/signalement/triage/second_opinion.json (decision 0020: a retrained model needs a new blind round)"
)
# Labelled sets added after the shipped model was fixed, each left out of its training on purpose. A new set must
# be named here (or the model retrained), so that none is left out silently.
# Model v3 is trained on rounds 10-18 (16 judged v2, 17 the category opinion v1, 18 the ninth pass and category
# opinion v2). Rounds 19-34 were written blind and judged v3 (``WRITTEN_AFTER_V3``, shared with the category
# opinion's tests), so they stay out until a model is retrained on them with a new round written blind to judge it.
NOT_TRAINED_ON: set[str] = set(WRITTEN_AFTER_V3)
# Written for these tests, in no labelled set: the model raises each above the rules (checked below).
RAISED_PROBES = (
    ("en", "the supervisor keeps coming into the girls room late and sits close, he says dont tell the boss"),
)


def labelled() -> list[tuple[str, str]]:
    return [(e.lang, e.text) for path in sorted(HERE.glob("*.jsonl")) for e in read_labelled(path)]


def test_the_shipped_model_was_trained_on_the_labelled_sets_as_they_are() -> None:
    record = default_model().data.training
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in HERE.glob("*.jsonl")
             if path.name not in NOT_TRAINED_ON}
    assert NOT_TRAINED_ON.isdisjoint(record.files), "a set it was trained on is listed as left out"
    trained_on = {name: digest for name, digest in record.files.items() if name != DEV_SET.name}
    assert files == trained_on, RETRAIN
    if DEV_SET.exists():  # the shared development set lives outside the repository
        assert hashlib.sha256(DEV_SET.read_bytes()).hexdigest() == record.files[DEV_SET.name], RETRAIN
    assert training_fingerprint(record.files, record.settings) == record.fingerprint, RETRAIN


def test_the_model_only_raises_urgency_and_never_changes_categories() -> None:
    raised = wrong = 0
    trained = {e.text: e.urgency for path in HERE.glob("*.jsonl") if path.name not in NOT_TRAINED_ON
               for e in read_labelled(path)}
    for language, text in labelled():
        inp = TriageInput(language=language, text=text)
        rules, both = classify(inp), classify(inp, second_opinion=True, category_opinion=False)
        assert both.categories == rules.categories
        assert URGENCY_RANK[both.urgency] <= URGENCY_RANK[rules.urgency]
        model_reasons = [r for r in both.reasons if r.rule == RULE_ID]
        assert bool(model_reasons) == (both.urgency != rules.urgency)
        if model_reasons and text in trained:
            raised += 1
            wrong += trained[text] != "immediate"
            assert [r for r in both.reasons if r.rule not in (RULE_ID, "default.standard")] == [
                r for r in rules.reasons if r.rule != "default.standard"
            ]
    # On its own training texts the model raises only what the rules still miss: v2 raised 14 (rounds 14-15), v3 40
    # (rounds 14-18, whose reports in danger the ninth pass's rules still miss), every one labelled immediate.
    assert raised < 50 and wrong < 5, (raised, wrong)


@pytest.mark.parametrize(("language", "text"), RAISED_PROBES)
def test_a_raise_names_its_probability_and_the_words_that_weighed_most(language: str, text: str) -> None:
    inp = TriageInput(language=language, text=text)
    assert classify(inp).urgency != "immediate"
    decision = classify(inp, second_opinion=True, category_opinion=False)
    assert decision.urgency == "immediate"
    (reason,) = [r for r in decision.reasons if r.rule == RULE_ID]
    assert reason.source == "model" and reason.urgency == "immediate" and reason.category is None
    assert 1 <= len(reason.matched) <= 3
    tokens = text_tokens(text, default_rulebook().segmenter)
    assert all(set(phrase.split(" ")) <= set(tokens) for phrase in reason.matched)
    (probability,) = reason.concepts
    assert probability.startswith("p=") and float(probability[2:]) >= default_model().immediate_threshold - 0.005
    glossed = gloss(msgspec.to_builtins(reason), {RULE_ID: list(reason.matched)}, text)
    assert glossed is not None and probability[2:] in glossed.gloss and glossed.words


def test_cached_and_uncached_scores_agree_exactly() -> None:
    model = default_model()
    book = default_rulebook()
    texts = labelled()
    token_lists = [text_tokens(text, book.segmenter) for _, text in texts]
    cold = [model.score(tokens, cached=False) for tokens in token_lists]
    model._cache.clear()  # noqa: SLF001 - the cache filled in reverse order must not change a bit
    warm = [model.score(tokens) for tokens in reversed(token_lists)][::-1]
    assert warm == cold
    again = [model.score(tokens) for tokens in token_lists]
    assert again == cold


def test_the_model_reads_the_tokens_the_rules_read() -> None:
    book = default_rulebook()
    model = default_model()
    # The eighth rules pass added Chinese words after the model was fixed: the rules' lexicon may now be a
    # different one from the model's, and Chinese text is then cut again with the model's own (its inputs do not
    # move with the rules). Text without Han characters always reads the engine's tokens.
    for _, text in labelled():
        engine = book.match_tokens(text)[2]
        assert engine == text_tokens(text, book.segmenter)
        assert model.tokens(text, engine, book.segmenter.lexicon) == text_tokens(text, model.segmenter)
        # With another Chinese lexicon in the rules, the model cuts the text with its own.
        assert model.tokens(text, engine, frozenset()) == text_tokens(text, model.segmenter)


def test_the_shipped_model_cuts_chinese_with_the_rules_lexicon() -> None:
    # Not a matter of correctness (the test above: a model trained on another lexicon cuts Chinese again with
    # its own), but of cost: then every report with Han characters is tokenized twice. The tenth pass added
    # Chinese film words after v3 was first trained, and both opinions fell from 61 to 99 µs a 2 KB report
    # (benchmarks/triage.py) until the model was trained again on the rules' lexicon.
    assert default_model().han_words == default_rulebook().segmenter.lexicon, RETRAIN


def test_an_empty_or_unknown_text_scores_the_bias_alone() -> None:
    model = default_model()
    assert model.score([]) == model.data.bias
    assert SecondOpinion(model.data).probability(["zzzqqq"]) == model.probability(["zzzqqq"])


_DIGEST = """
import hashlib, json, sys
from signalement.triage.scoring import TriageInput, classify, read_text
from signalement.triage.second_opinion import default_model
from signalement.triage.rulebook import default_rulebook
rows = json.load(sys.stdin)
book, model = default_rulebook(), default_model()
out = [repr(model.probability(book.match_tokens(t)[2])) for _, t in rows]
out += [classify(TriageInput(language=l, text=t), second_opinion=True).urgency for l, t in rows]
print(hashlib.sha256(json.dumps(out).encode()).hexdigest())
"""


def test_the_model_does_not_depend_on_the_hash_seed() -> None:
    rows = labelled()[::5]
    digests = set()
    for seed in ("0", "1", "12345"):
        done = subprocess.run(
            [sys.executable, "-c", _DIGEST],
            input=json.dumps(rows),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_classify_and_eval_run_with_and_without_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labelled_file = HERE / "heldout_blind_r13.jsonl"
    assert cli_main(["eval", str(labelled_file)]) == 0
    without = capsys.readouterr().out
    assert cli_main(["eval", str(labelled_file), "--second-opinion"]) == 0
    with_model = capsys.readouterr().out
    assert "second opinion" in with_model and "second opinion" not in without


@pytest.mark.parametrize(("language", "text"), RAISED_PROBES)
def test_a_story_read_text_by_text_is_weighed_by_the_model_too(language: str, text: str) -> None:
    """SMS seals each text as it arrives and keeps only its reading: the model's probability travels in the
    reading (no words), its strongest words go with the matches sealed beside the text."""
    reading, matches = read_text(text, language, second_opinion=True, category_opinion=False)
    plain, plain_matches = read_text(text, language)
    assert plain.model_probability is None and RULE_ID not in plain_matches
    assert reading.model_probability is not None and reading.model_probability >= default_model().immediate_threshold
    assert 1 <= len(matches[RULE_ID]) <= 3
    assert all(not r.matched for r in reading.reasons)
    story = TriageInput(language=language, text="", readings=(reading,))
    assert classify(story).urgency != "immediate"
    decision = classify(story, second_opinion=True, category_opinion=False)
    assert decision.urgency == "immediate"
    (reason,) = [r for r in decision.reasons if r.rule == RULE_ID]
    assert reason.matched == () and reason.concepts == (f"p={reading.model_probability:.2f}",)
    # A calm text of the same story does not lower what the other text weighed.
    calm, _ = read_text("I work at a farm near Leamington.", language, second_opinion=True, category_opinion=False)
    both = classify(TriageInput(language=language, text="", readings=(calm, reading)), second_opinion=True,
                    category_opinion=False)
    assert both.urgency == "immediate"
    alone = classify(TriageInput(language=language, text="", readings=(calm,)), second_opinion=True,
                     category_opinion=False)
    assert alone.urgency != "immediate"
