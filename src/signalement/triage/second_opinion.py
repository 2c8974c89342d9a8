"""The trained second opinion (issue 12, decision 0020): a small model that may only RAISE urgency.

A binary logistic regression, "immediate" against the rest, over the engine's own tokens of the text
(folded as rule words are, punctuation out, Chinese segmented): per distinct token, its unigram and its
character 3-5-grams; per pair of adjacent tokens, the pair. The feature vector of a text is

    x = (sum over DISTINCT tokens t of (e_word(t) + sum over g in char_grams(t) of e_gram(g))
         + sum over ADJACENT token pairs p of e_pair(p)) / sqrt(distinct tokens + pairs)

so a token's share of the score, ``token_weight``, depends on the token alone: it is computed once and
cached (a bounded dict), and a report costs one dict lookup per distinct token and one per pair. Sums
over sets use ``math.fsum`` (exactly rounded, so independent of set order and of ``PYTHONHASHSEED``):
the cached and uncached scores are equal to the last bit.

The weights live in ``second_opinion.json`` beside this module, trained by
``benchmarks/train_second_opinion.py`` on every labelled set in ``tests/unit/triage`` and the shared
development set, whose SHA-256 the file records (a test checks it). Loaded once, lazily, and only
when the setting ``triage_second_opinion`` (or ``triage classify --second-opinion``) asks for it.

Threat: a missed report in danger is the worst error triage makes; the model only adds a raise, with
its probability and the words that weighed most as the reason, and never lowers or recategorises.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import repeat
from pathlib import Path

import msgspec

from signalement.triage.normalize import Segmenter, fold_surface, tokenize
from signalement.triage.scope import MARKS, mark_punctuation

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MODEL_PATH = Path(__file__).with_name("second_opinion.json")
FORMAT_VERSION = 1
RULE_ID = "model.second_opinion"
GRAM_SIZES = (3, 4, 5)
# Distinct tokens whose share is kept: about 1 MB (a worker's budget is 200 MB). A token not cached is
# computed again (exact): a miss costs a few microseconds.
MAX_CACHED_TOKENS = 8_000
# How many tokens or pairs the reason names.
NAMED = 3


class TrainingRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the weights were trained on and how: checked against the labelled files by a test."""

    files: dict[str, str]  # file name -> SHA-256 of its bytes
    fingerprint: str  # SHA-256 over the files (name, bytes) and ``settings``
    settings: dict[str, float | int | str | bool]
    texts: int
    immediate: int
    rules: str  # the rules fingerprint when trained (the Chinese segmentation came from its lexicon)


class ModelFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The shipped model: weights (non-zero only), thresholds and the record of its training."""

    version: int
    training: TrainingRecord
    immediate_threshold: float
    high_threshold: float | None  # raise ``standard`` to ``high`` above it (None: no second level)
    bias: float
    words: dict[str, float]
    grams: dict[str, float]
    pairs: dict[str, float]  # "first second" (tokens never contain a space)
    han_words: tuple[str, ...]  # the segmenter's lexicon when trained: Chinese is cut the same way


class ModelFileError(ValueError):
    """The second-opinion data file is missing, of another version, or malformed."""


def char_grams(token: str) -> list[str]:
    """The character 3-5-grams of a token, with a space marking each end (repeats kept)."""
    padded = f" {token} "
    size = len(padded)
    return [padded[i : i + n] for n in GRAM_SIZES for i in range(size - n + 1)]


def text_tokens(text: str, segmenter: Segmenter) -> list[str]:
    """The engine's quoted tokens of ``text`` (``Rulebook.match_tokens``), computed on their own."""
    marked = tokenize(mark_punctuation(fold_surface(text)), segmenter)
    return [token for token in marked if token not in MARKS]


class SecondOpinion:
    """The loaded model. ``probability`` is pure; its token cache only saves work."""

    def __init__(self, data: ModelFile) -> None:
        if data.version != FORMAT_VERSION:
            raise ModelFileError(f"second-opinion model version {data.version}, expected {FORMAT_VERSION}")
        self.immediate_threshold = data.immediate_threshold
        self.high_threshold = data.high_threshold
        self._bias = data.bias
        self._grams = data.grams
        # Memory (a worker's budget is 200 MB): every word string is interned once and shared by the words'
        # keys and the pairs' tuples, and the file's own dicts are not kept beside the ones used here.
        intern = sys.intern
        self._words = {intern(word): weight for word, weight in data.words.items()}
        self._pairs: dict[tuple[str, str], float] = {}
        for key, weight in data.pairs.items():
            first, second = key.split(" ")
            self._pairs[intern(first), intern(second)] = weight
        self.data = msgspec.structs.replace(data, words={}, pairs={})
        self.han_words = frozenset(data.han_words)
        self.segmenter = Segmenter(self.han_words)
        self._cache: dict[str, float] = {}
        self._lexicon_checked: tuple[frozenset[str] | None, bool] = (None, False)

    def token_weight(self, token: str) -> float:
        """A token's share of the score: its unigram's weight and its character grams' (uncached)."""
        grams = self._grams.get
        return math.fsum([self._words.get(token, 0.0), *(grams(g, 0.0) for g in char_grams(token))])

    def score(
        self, tokens: Sequence[str], *, cached: bool = True, distinct: set[str] | None = None
    ) -> float:
        """The model's log-odds that the text of ``tokens`` is a report in immediate danger. ``distinct``:
        ``set(tokens)``, if the caller has it (the category opinion reads the same set)."""
        if distinct is None:
            distinct = set(tokens)
        if cached:
            shares = self._cache
            missing = distinct.difference(shares)
            if missing:
                if len(shares) + len(missing) > MAX_CACHED_TOKENS:
                    shares.clear()  # bounded memory; the values are recomputed exactly
                    missing = distinct
                for token in missing:
                    shares[token] = self.token_weight(token)
            total = math.fsum(map(shares.__getitem__, distinct))
        else:
            total = math.fsum(map(self.token_weight, distinct))
        pairs = len(tokens) - 1 if tokens else 0
        if pairs > 0 and self._pairs:
            # Adjacent pairs in text order: a deterministic sum, no set involved.
            total += sum(map(self._pairs.get, zip(tokens, tokens[1:], strict=False), repeat(0.0)))
        count = len(distinct) + max(pairs, 0)
        return self._bias + (total / math.sqrt(count) if count else 0.0)

    def probability(
        self, tokens: Sequence[str], *, cached: bool = True, distinct: set[str] | None = None
    ) -> float:
        """The model's probability that the text of ``tokens`` is a report in immediate danger."""
        z = max(-30.0, min(30.0, self.score(tokens, cached=cached, distinct=distinct)))
        return 1.0 / (1.0 + math.exp(-z))

    def strongest(self, tokens: Sequence[str], k: int = NAMED) -> tuple[str, ...]:
        """The ``k`` tokens or adjacent pairs that pushed the score up most (ties in text order)."""
        weights: dict[str, float] = {}
        shares = self._cache  # the same values as ``token_weight``: it is pure
        for token in tokens:
            if token not in weights:
                weight = shares.get(token)
                weights[token] = self.token_weight(token) if weight is None else weight
        for pair in zip(tokens, tokens[1:], strict=False):
            weight = self._pairs.get(pair)
            if weight is not None:
                weights.setdefault(" ".join(pair), weight)
        ranked = sorted(weights.items(), key=lambda item: -item[1])  # stable: text order breaks ties
        return tuple(name for name, weight in ranked[:k] if weight > 0)

    def tokens(self, text: str, engine_tokens: Iterable[str] | None, engine_han_words: frozenset[str]) -> list[str]:
        """The model's tokens: the engine's when its Chinese lexicon is the one trained with (always
        for text without Han characters), else the text cut again with the trained lexicon."""
        if engine_tokens is not None and (self._same_lexicon(engine_han_words) or not _has_han(text)):
            return list(engine_tokens)
        return text_tokens(text, self.segmenter)

    def _same_lexicon(self, engine_han_words: frozenset[str]) -> bool:
        """Whether the rules cut Chinese as the model was trained to: compared once per lexicon object, not on
        every report (two sets of about 830 words: 7 µs, as much as the model's own work)."""
        seen, same = self._lexicon_checked
        if engine_han_words is not seen:
            same = engine_han_words == self.han_words
            self._lexicon_checked = (engine_han_words, same)
        return same


def _has_han(text: str) -> bool:
    return not text.isascii() and _HAN.search(text) is not None


def training_fingerprint(files: dict[str, str], settings: dict[str, float | int | str | bool]) -> str:
    """SHA-256 over the training files' names and SHA-256s, then the training settings (sorted JSON)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{files[name]}\0".encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def read_model(path: Path = MODEL_PATH) -> ModelFile:
    """Decode a second-opinion data file."""
    try:
        return msgspec.json.decode(path.read_bytes(), type=ModelFile)
    except (OSError, msgspec.DecodeError) as exc:
        raise ModelFileError(f"cannot read the second-opinion model {path.name}: {exc}") from exc


@cache
def default_model() -> SecondOpinion:
    """The model shipped with the package, loaded once per process on first use."""
    return SecondOpinion(read_model())
