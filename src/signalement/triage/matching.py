"""Word-family matching: which rule atoms each token is, and where patterns occur.

A *primitive* is one way a single token can match: an exact word, a prefix
(``lock*``), a suffix (``*ing``), an infix (``*bayad*``, for Tagalog affixes) or
a number range (``<12-24>``). An *atom* is a set of primitives (a word class or
``a|b|c``) with a small integer id. A *pattern* is a first atom followed by
steps ``(gap, atom)``: the next atom must come after at most ``gap`` other tokens.

Matching is token-based rather than one large regular expression: each distinct
token is looked up once through a few dictionary probes and the result cached,
so a 2 KB report costs a few hundred dictionary lookups whatever the number of
rules. Each pattern is filed under its rarest-looking atom (its *anchor*) and is
only tried when that anchor and all its other atoms occur in the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

# ("exact", "word"), ("prefix", "stem"), ("suffix", "stem"), ("contains", "stem"), ("range", (lo, hi))
Primitive = tuple[str, object]
Steps = tuple[tuple[int, int], ...]
Pattern = tuple[int, Steps]

_NOTHING: frozenset[int] = frozenset()
# Longest token we probe for infixes: longer "words" are noise (or hostile) and cost O(n^2).
_MAX_INFIX_TOKEN = 40
# A hostile text repeating one anchor word cannot make a pattern backtrack without end: no
# real report says "paid" a thousand times, so later occurrences are not tried.
_MAX_ANCHOR_POSITIONS = 1000
# Distinct tokens remembered between calls; the cache only saves work, it never changes a result.
_CACHE_LIMIT = 200_000
# Giant "words" (hostile input) are looked up but never kept, so the cache stays small.
_MAX_CACHED_TOKEN = 64


class Lexicon:
    """Maps a token to the ids of every atom it matches."""

    def __init__(self, atoms: Mapping[frozenset[Primitive], int]) -> None:
        kinds = ("exact", "prefix", "suffix", "contains")
        by_kind: dict[str, dict[object, set[int]]] = {kind: {} for kind in kinds}
        ranges: dict[tuple[int, int], set[int]] = {}
        for primitives, atom_id in atoms.items():
            for kind, value in primitives:
                if kind == "range" and isinstance(value, tuple):
                    ranges.setdefault(value, set()).add(atom_id)
                else:
                    by_kind[kind].setdefault(value, set()).add(atom_id)
        frozen = {kind: {k: frozenset(v) for k, v in table.items()} for kind, table in by_kind.items()}
        self._exact: dict[object, frozenset[int]] = frozen["exact"]
        self._prefix: dict[object, frozenset[int]] = frozen["prefix"]
        self._suffix: dict[object, frozenset[int]] = frozen["suffix"]
        self._contains: dict[object, frozenset[int]] = frozen["contains"]
        self._prefix_lengths = _lengths(self._prefix)
        self._suffix_lengths = _lengths(self._suffix)
        self._contains_lengths = _lengths(self._contains)
        self._ranges = tuple((lo, hi, frozenset(ids)) for (lo, hi), ids in sorted(ranges.items()))
        self._cache: dict[str, frozenset[int]] = {}

    def lookup(self, token: str) -> frozenset[int]:
        """Every atom id ``token`` matches (empty for most tokens)."""
        found = self._cache.get(token)
        if found is None:
            found = self._probe(token)
            if len(token) <= _MAX_CACHED_TOKEN:
                if len(self._cache) >= _CACHE_LIMIT:
                    self._cache.clear()
                self._cache[token] = found
        return found

    def _probe(self, token: str) -> frozenset[int]:
        hits: list[frozenset[int]] = []
        exact = self._exact.get(token)
        if exact:
            hits.append(exact)
        n = len(token)
        for size in self._prefix_lengths:
            if size > n:
                break
            ids = self._prefix.get(token[:size])
            if ids:
                hits.append(ids)
        for size in self._suffix_lengths:
            if size > n:
                break
            ids = self._suffix.get(token[-size:])
            if ids:
                hits.append(ids)
        if n <= _MAX_INFIX_TOKEN:
            for size in self._contains_lengths:
                if size > n:
                    break
                for start in range(n - size + 1):
                    ids = self._contains.get(token[start : start + size])
                    if ids:
                        hits.append(ids)
        if self._ranges and n <= 6 and token.isdecimal():
            value = int(token)
            hits.extend(ids for lo, hi, ids in self._ranges if lo <= value <= hi)
        if not hits:
            return _NOTHING
        return hits[0] if len(hits) == 1 else frozenset().union(*hits)


def _lengths(table: Mapping[object, object]) -> tuple[int, ...]:
    return tuple(sorted({len(str(key)) for key in table}))


def primitive_weight(primitive: Primitive) -> float:
    """A rough guess of how common tokens matching ``primitive`` are: short words are everywhere."""
    kind, value = primitive
    if kind == "range":
        return 8.0
    size = len(str(value))
    if kind == "exact":
        return 8.0 if size <= 2 else 4.0 if size == 3 else 2.0 if size == 4 else 1.0
    if kind == "prefix":
        return 6.0 if size <= 3 else 3.0 if size == 4 else 1.5
    return 3.0


def _forward(steps: Steps, k: int, atoms_at: Sequence[frozenset[int]], pos: int) -> int:
    """End index of ``steps[k:]`` matched after token ``pos``, or -1 (nearest first, with backtracking)."""
    gap, atom = steps[k]
    last = k + 1 == len(steps)
    for j in range(pos + 1, min(len(atoms_at), pos + 2 + gap)):
        if atom in atoms_at[j]:
            if last:
                return j
            end = _forward(steps, k + 1, atoms_at, j)
            if end >= 0:
                return end
    return -1


def _backward(steps: Steps, k: int, atoms_at: Sequence[frozenset[int]], pos: int) -> int:
    """Start index of ``steps[k:]`` (listed right to left) matched before token ``pos``, or -1."""
    gap, atom = steps[k]
    last = k + 1 == len(steps)
    for j in range(pos - 1, max(-1, pos - 2 - gap), -1):
        if atom in atoms_at[j]:
            if last:
                return j
            start = _backward(steps, k + 1, atoms_at, j)
            if start >= 0:
                return start
    return -1


class PatternIndex:
    """Patterns filed under their rarest-looking atom, the *anchor*.

    A text only tries the patterns whose anchor occurs in it and whose every atom
    occurs somewhere in it (one set comparison); those are then matched outwards
    from each occurrence of the anchor, right then left. Most patterns of most
    rule files are skipped without looking at a single position.
    """

    def __init__(self, owned: Iterable[tuple[int, Pattern]], atom_weight: Mapping[int, float]) -> None:
        by_anchor: dict[int, list[tuple[int, Steps, Steps, frozenset[int]]]] = {}
        for owner, (first, steps) in owned:
            atoms = (first, *(atom for _, atom in steps))
            gaps = (0, *(gap for gap, _ in steps))
            k = min(range(len(atoms)), key=lambda i: (atom_weight.get(atoms[i], 1.0), i))
            right = tuple((gaps[i], atoms[i]) for i in range(k + 1, len(atoms)))
            left = tuple((gaps[i + 1], atoms[i]) for i in range(k - 1, -1, -1))
            by_anchor.setdefault(atoms[k], []).append((owner, left, right, frozenset(atoms)))
        self._by_anchor = {anchor: tuple(entries) for anchor, entries in by_anchor.items()}
        self._anchors = frozenset(by_anchor)

    def find_spans(self, tokens: Sequence[str], lexicon: Lexicon) -> dict[int, list[tuple[int, int]]]:
        """For each pattern owner (an integer key) the ``(start, end)`` token spans where it matched."""
        atoms_of = {token: lexicon.lookup(token) for token in set(tokens)}
        present = set().union(*atoms_of.values())
        by_anchor = self._by_anchor
        candidates = [
            (anchor, entry)
            for anchor in sorted(present & self._anchors)
            for entry in by_anchor[anchor]
            if entry[3] <= present
        ]
        if not candidates:
            return {}
        used = {anchor for anchor, _ in candidates}
        anchor_tokens = {
            token: used.intersection(ids) for token, ids in atoms_of.items() if not used.isdisjoint(ids)
        }
        atoms_at = [atoms_of[token] for token in tokens]
        at: dict[int, list[int]] = {}
        for i, token in enumerate(tokens):
            if token in anchor_tokens:
                for anchor in anchor_tokens[token]:
                    at.setdefault(anchor, []).append(i)
        spans: dict[int, list[tuple[int, int]]] = {}
        for anchor, (owner, left, right, _) in candidates:
            for pos in at[anchor][:_MAX_ANCHOR_POSITIONS]:
                end = _forward(right, 0, atoms_at, pos) if right else pos
                if end < 0:
                    continue
                start = _backward(left, 0, atoms_at, pos) if left else pos
                if start >= 0:
                    spans.setdefault(owner, []).append((start, end))
        return spans


def overlaps(span: tuple[int, int], others: Iterable[tuple[int, int]]) -> bool:
    """True when ``span`` shares a token with any of ``others``."""
    start, end = span
    return any(o_start <= end and start <= o_end for o_start, o_end in others)
