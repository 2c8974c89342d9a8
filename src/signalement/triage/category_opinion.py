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
from itertools import repeat
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

    def _packed(self, distinct: Collection[str]) -> list[int]:
        """Each distinct token's packed share, in ``distinct``'s own iteration order."""
        shares = self._cache
        try:
            return list(map(shares.__getitem__, distinct))
        except KeyError:  # a token not seen yet: rare once the cache is warm
            pass
        missing = [token for token in distinct if token not in shares]
        if len(shares) + len(missing) > MAX_CACHED_TOKENS:
            shares.clear()  # bounded memory; the values are recomputed exactly
        packed = [shares.get(token) for token in distinct]
        for i, token in enumerate(distinct):
            if packed[i] is None:
                packed[i] = shares[token] = self.packed_share(token)
        return packed  # type: ignore[return-value]  # every None was filled

    def _scores(self, lanes: Sequence[int], n: int, offset: int = 0) -> tuple[float, ...]:
        """The log-odds from each column's sum over ``n`` distinct tokens (each lane ``offset`` too high)."""
        if not n:
            return self._biases
        root = math.sqrt(n)
        return tuple(
            bias + scale * (lane - offset) / root
            for bias, scale, lane in zip(self._biases, self._scales, lanes, strict=True)
        )

    def _packed_scores(self, packed: list[int]) -> tuple[float, ...]:
        """The log-odds from the packed shares of the distinct tokens: their sum's lanes are read in one C call
        (not a shift and a mask per lane), each ``len(packed)`` offsets too high."""
        total = sum(packed)
        lanes = array("Q", total.to_bytes(self._width * _LANE_BYTES, sys.byteorder))
        return self._scores(lanes, len(packed), len(packed) * _OFFSET)

    def scores(
        self, tokens: Sequence[str], *, cached: bool = True, distinct: Collection[str] | None = None
    ) -> tuple[float, ...]:
        """Each category's log-odds for the text of ``tokens``: exact integer sums, so neither the cache nor a
        set's order (``PYTHONHASHSEED``) can change a bit. ``distinct``: ``set(tokens)``, if the caller has it."""
        if distinct is None:
            distinct = set(tokens)
        if cached:
            return self._packed_scores(self._packed(distinct))
        lanes = [sum(column) for column in zip(*map(self.token_shares, distinct), strict=True)] or [0] * self._width
        return self._scores(lanes, len(distinct))

    def probabilities(self, tokens: Sequence[str], *, cached: bool = True) -> tuple[float, ...]:
        return tuple(_sigmoid(z) for z in self.scores(tokens, cached=cached))

    def above(
        self, tokens: Sequence[str], skip: Collection[str | None] = (), distinct: Collection[str] | None = None
    ) -> list[tuple[str, float, tuple[str, ...]]]:
        """The categories not in ``skip`` whose probability reaches their threshold, in column order, each with
        its probability and the (at most ``NAMED``) tokens with the largest positive share in it (ties in text
        order): the words that weighed most. ``distinct``: ``set(tokens)``, if the caller has it."""
        if distinct is None:
            distinct = set(tokens)
        # The packed shares are fetched once: they give the scores, then the words of a column that fires.
        packed = self._packed(distinct)
        scores = self._packed_scores(packed)
        columns = [
            column
            for column, (code, z, logit) in enumerate(zip(self.categories, scores, self._logits, strict=True))
            if z >= logit and code not in skip
        ]
        found = []
        if columns:
            # Every token's lanes side by side (token after token): a column's are every ``width``-th.
            lanes = array("Q", b"".join(map(int.to_bytes, packed, repeat(self._width * _LANE_BYTES),
                                            repeat(sys.byteorder))))
            for column in columns:
                words = _strongest(tokens, distinct, lanes[column :: self._width])
                found.append((self.categories[column], _sigmoid(scores[column]), words))
        return found


def _strongest(tokens: Sequence[str], distinct: Collection[str], lanes: Sequence[int]) -> tuple[str, ...]:
    """The (at most ``NAMED``) tokens of ``distinct`` with the largest positive share (``lanes``, offset, in
    ``distinct``'s order), ties in text order."""
    cutoff = _OFFSET + 1  # a share above zero
    if len(lanes) > NAMED:
        cutoff = max(cutoff, heapq.nlargest(NAMED, lanes)[-1])
    ranked = [(lane, token) for lane, token in zip(lanes, distinct, strict=True) if lane >= cutoff]
    if len({lane for lane, _ in ranked}) < len(ranked):
        # Equal shares: the one that comes first in the text goes first. Finding where costs a scan of the
        # text per token, so only when shares are equal (the sort below is stable).
        ranked.sort(key=lambda item: tokens.index(item[1]))
    ranked.sort(key=lambda item: item[0], reverse=True)
    return tuple(token for _, token in ranked[:NAMED])


_LANE = 64
_LANE_BYTES = _LANE // 8
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
