"""The trained category opinion (issue 12, decision 0021): a small model that may only ADD a category.

One logistic regression per category the rules miss most (``other`` never), over the engine's own tokens of
the text (the second opinion's tokens: folded as rule words are, punctuation out, Chinese segmented). Each
distinct token contributes its word and its character 3-5-grams, hashed (CRC-32 of the UTF-8 key) into
``2 ** bits`` buckets of int16 weights, one column per category, with one scale per category:

    z_k = bias_k + scale_k * (sum over DISTINCT tokens t of share_k(t)) / sqrt(distinct tokens)

where share_k(t) is the integer sum of the token's int16 weights: it depends on the token alone, so it is
computed once and cached (a bounded dict), and a report costs one dict lookup per distinct token and an
integer column sum (exact in any order: the cached and uncached scores are equal to the last bit, whatever
``PYTHONHASHSEED``).

Hashing keeps no feature string in memory (the table is 2 bytes per bucket and category); the collisions it
makes were there when the weights were trained (``benchmarks/train_categories.py``), so they are part of the
model, not an error in reading it.

A category above its threshold that the rules did not give is added with the urgency the policy gives that
category (taxonomy.md), its probability and the words that weighed most as the reason: it may raise a report,
never lower one, and it never removes a category the rules or the reporter gave (``other`` gives way, as the
policy says it only applies when nothing else does).
"""

from __future__ import annotations

import hashlib
import heapq
import math
import sys
import zlib
from array import array
from collections.abc import Collection, Sequence
from functools import cache
from itertools import count
from pathlib import Path

import msgspec

from signalement.triage.second_opinion import TrainingRecord, char_grams

MODEL_PATH = Path(__file__).with_name("category_opinion.json")
# The weights beside it, raw: read straight into the table (a JSON or base64 copy would cost the worker
# several MB of peak memory that the allocator keeps).
TABLE_PATH = MODEL_PATH.with_suffix(".bin")
FORMAT_VERSION = 1
RULE_ID = "model.category"
# Distinct tokens whose shares are kept (one packed integer of about 110 bytes each: about 1 MB at most).
MAX_CACHED_TOKENS = 8_000
NAMED = 3


class CategoryModelFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The shipped model: one column per category it may add, hashed int16 weights, thresholds."""

    version: int
    training: TrainingRecord
    bits: int
    categories: tuple[str, ...]
    thresholds: tuple[float, ...]
    biases: tuple[float, ...]
    scales: tuple[float, ...]
    table_sha256: str  # of ``category_opinion.bin``: little-endian int16, (2 ** bits) rows of len(categories)
    # A few texts and the probabilities the trainer gave them: a test checks this module reads the same.
    checks: tuple[tuple[str, tuple[float, ...]], ...] = ()


class CategoryModelError(ValueError):
    """The category-opinion data file is missing, of another version, or malformed."""


def feature_keys(token: str) -> list[str]:
    """The hashed keys of one token: its word and its character grams (repeats kept, as counted)."""
    return [f"w {token}", *(f"c{gram}" for gram in char_grams(token))]


def bucket(key: str, mask: int) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) & mask


class CategoryOpinion:
    """The loaded model. ``scores`` is pure; its token cache only saves work."""

    def __init__(self, data: CategoryModelFile, table_path: Path = TABLE_PATH) -> None:
        if data.version != FORMAT_VERSION:
            raise CategoryModelError(f"category-opinion model version {data.version}, expected {FORMAT_VERSION}")
        width = len(data.categories)
        if not (len(data.thresholds) == len(data.biases) == len(data.scales) == width) or width == 0:
            raise CategoryModelError("category-opinion columns disagree")
        table = array("h")
        size = (1 << data.bits) * width
        try:
            with table_path.open("rb") as fh:
                table.fromfile(fh, size)
                extra = fh.read(1)
        except (OSError, EOFError) as exc:
            raise CategoryModelError(f"category-opinion table unreadable: {exc}") from exc
        if extra or hashlib.sha256(table).hexdigest() != data.table_sha256:
            raise CategoryModelError("category-opinion table does not match its model file")
        if sys.byteorder != "little":
            table.byteswap()
        self.categories = data.categories
        self.thresholds = data.thresholds
        # p >= t exactly when z >= logit(t): no exponential per report.
        self._logits = tuple(math.log(t / (1 - t)) for t in data.thresholds)
        self._biases = data.biases
        self._scales = data.scales
        self._width = width
        self._mask = (1 << data.bits) - 1
        self._table = table
        self.checks = data.checks
        self._cache: dict[str, int] = {}

    def token_shares(self, token: str) -> tuple[int, ...]:
        """A token's share of each category's score, in table units: an exact integer sum (uncached)."""
        width, table, mask = self._width, self._table, self._mask
        rows = [table[b * width : b * width + width] for b in (bucket(k, mask) for k in feature_keys(token))]
        return tuple(map(sum, zip(*rows, strict=True)))

    def packed_share(self, token: str) -> int:
        """``token_shares`` packed into one integer, a 64-bit lane per category, each lane offset to stay
        positive: adding packed shares adds every category's at once, exactly (a token's share is below
        2**40 in size, and a report has far fewer than 2**23 distinct tokens, so no lane carries over)."""
        return sum((share + _OFFSET) << (_LANE * k) for k, share in enumerate(self.token_shares(token)))

    def _total(self, distinct: Collection[str]) -> int:
        shares = self._cache
        if len(shares) + len(distinct) > MAX_CACHED_TOKENS:
            shares.clear()  # bounded memory; the values are recomputed exactly
        packed = list(map(shares.get, distinct))
        if None in packed:
            for i, token in enumerate(distinct):
                if packed[i] is None:
                    packed[i] = shares[token] = self.packed_share(token)
        return sum(packed)  # type: ignore[arg-type]  # every None was filled

    def _scores(self, lanes: Sequence[int], n: int) -> tuple[float, ...]:
        if not n:
            return self._biases
        root = math.sqrt(n)
        return tuple(
            bias + scale * total / root
            for bias, scale, total in zip(self._biases, self._scales, lanes, strict=True)
        )

    def _lanes(self, total: int, n: int) -> list[int]:
        base = n * _OFFSET
        return [((total >> (_LANE * k)) & _LANE_MASK) - base for k in range(self._width)]

    def scores(self, tokens: Sequence[str], *, cached: bool = True) -> tuple[float, ...]:
        """Each category's log-odds for the text of ``tokens``: exact integer sums, so neither the cache nor a
        set's order (``PYTHONHASHSEED``) can change a bit."""
        distinct = set(tokens)
        if cached:
            lanes = self._lanes(self._total(distinct), len(distinct))
        else:
            lanes = [sum(column) for column in zip(*map(self.token_shares, distinct), strict=True)] or [0] * self._width
        return self._scores(lanes, len(distinct))

    def probabilities(self, tokens: Sequence[str], *, cached: bool = True) -> tuple[float, ...]:
        return tuple(_sigmoid(z) for z in self.scores(tokens, cached=cached))

    def above(
        self, tokens: Sequence[str], skip: Collection[str | None] = ()
    ) -> list[tuple[str, float, tuple[str, ...]]]:
        """The categories not in ``skip`` whose probability reaches their threshold, in column order, each with
        its probability and the (at most ``NAMED``) tokens with the largest positive share in it (ties in text
        order): the words that weighed most."""
        scores = self.scores(tokens)
        columns = [
            column
            for column, (code, z, logit) in enumerate(zip(self.categories, scores, self._logits, strict=True))
            if z >= logit and code not in skip
        ]
        found = []
        if columns:
            in_order = list(dict.fromkeys(tokens))
            packed = [self._cache.get(token) or self.packed_share(token) for token in in_order]
            for column in columns:
                shift = _LANE * column
                weights = [((p >> shift) & _LANE_MASK) - _OFFSET for p in packed]
                ranked = heapq.nlargest(NAMED, zip(weights, count(0, -1), in_order))
                words = tuple(token for weight, _, token in ranked if weight > 0)
                found.append((self.categories[column], _sigmoid(scores[column]), words))
        return found


_LANE = 64
_LANE_MASK = (1 << _LANE) - 1
_OFFSET = 1 << 40


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def encode_table(weights: Sequence[int]) -> bytes:
    """The table file's bytes for an int16 table (row-major), as ``CategoryOpinion`` reads it."""
    table = array("h", weights)
    if sys.byteorder != "little":
        table.byteswap()
    return table.tobytes()


def read_model(path: Path = MODEL_PATH) -> CategoryModelFile:
    try:
        return msgspec.json.decode(path.read_bytes(), type=CategoryModelFile)
    except (OSError, msgspec.DecodeError) as exc:
        raise CategoryModelError(f"cannot read the category-opinion model {path.name}: {exc}") from exc


@cache
def default_model() -> CategoryOpinion:
    """The model shipped with the package, loaded once per process on first use."""
    return CategoryOpinion(read_model())
