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

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import compress

from signalement.triage.normalize import collapse_runs

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
        # Infix stems are few: testing each with ``in`` finds the same stems as sliding every
        # window of every stem length over the token, with far fewer dictionary probes.
        self._contains_items = tuple((str(stem), ids) for stem, ids in self._contains.items())
        self._ranges = tuple((lo, hi, frozenset(ids)) for (lo, hi), ids in sorted(ranges.items()))
        self._cache: dict[str, frozenset[int]] = {}

    def lookup(self, token: str) -> frozenset[int]:
        """Every atom id ``token`` matches (empty for most tokens), in the quoted form or folded.

        Vowel runs are collapsed here, once per distinct token ever seen: a text's tokens are
        looked up as quoted, without collapsing and splitting the text again each time.
        """
        found = self._cache.get(token)
        if found is None:
            found = self._probe(collapse_runs(token))
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
            for stem, ids in self._contains_items:
                if stem in token:
                    hits.append(ids)
        if self._ranges and n <= 6 and token.isdecimal():
            value = int(token)
            hits.extend(ids for lo, hi, ids in self._ranges if lo <= value <= hi)
        if not hits:
            return _NOTHING
        return hits[0] if len(hits) == 1 else frozenset().union(*hits)


    def atoms_of(self, tokens: set[str]) -> Mapping[str, frozenset[int]]:
        """A mapping from each of ``tokens`` to its atom ids: the cache itself when it holds them all."""
        cache = self._cache
        missing = tokens.difference(cache)
        if not missing:
            return cache
        before = len(cache)
        local = {token: self.lookup(token) for token in missing}
        if len(cache) == before + len(missing):
            return cache  # every missing token is cached now and nothing was evicted
        # A giant token is never cached, or the cache was emptied on the way: answer from a copy.
        for token in tokens.difference(local):
            local[token] = self.lookup(token)
        return local


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
        by_anchor: dict[int, list[_Entry]] = {}
        for owner, (first, steps) in owned:
            atoms = (first, *(atom for _, atom in steps))
            gaps = (0, *(gap for gap, _ in steps))
            k = min(range(len(atoms)), key=lambda i: (atom_weight.get(atoms[i], 1.0), i))
            right = tuple((gaps[i], atoms[i]) for i in range(k + 1, len(atoms)))
            left = tuple((gaps[i + 1], atoms[i]) for i in range(k - 1, -1, -1))
            # The other atoms the text must contain (often none: a one-word pattern).
            others = frozenset(atoms) - {atoms[k]}
            entry = (others, atoms[k], owner, left, right, *_unrolled(right), *_unrolled(left))
            by_anchor.setdefault(atoms[k], []).append(entry)
        self._by_anchor = {anchor: tuple(entries) for anchor, entries in by_anchor.items()}
        self._anchors = frozenset(by_anchor)
        self._entries_of = _AnchoredBy(self._by_anchor)

    def find_spans(self, tokens: Sequence[str], lexicon: Lexicon) -> dict[int, list[tuple[int, int]]]:
        """For each pattern owner (an integer key) the ``(start, end)`` token spans where it matched.

        The spans of an owner are the same whichever way they are collected; their order in the
        list is not part of the answer.
        """
        if not tokens:
            return {}
        distinct = set(tokens)
        return self.spans(tokens, list(distinct), lexicon.atoms_of(distinct).__getitem__)

    def spans(
        self, tokens: Sequence[str], distinct: list[str], get: Callable[[str], frozenset[int]]
    ) -> dict[int, list[tuple[int, int]]]:
        """``find_spans`` given the distinct tokens and each one's atom ids (``get``)."""
        present = set().union(*map(get, distinct))
        # Each distinct token with each pattern it anchors whose other atoms all occur in the text.
        anchored = list(map(self._entries_of.__getitem__, map(get, distinct)))
        chosen = [
            (token, entry)
            for token, entries in compress(zip(distinct, anchored, strict=True), anchored)
            for entry in entries
            if entry[0] <= present
        ]
        if not chosen:
            return {}
        # Where each anchoring token occurs, in order: only those positions are visited in Python.
        # None until the token's first occurrence: one dict lookup per position, no setdefault call.
        at: dict[str, list[int]] = dict.fromkeys([token for token, _ in chosen])  # type: ignore[assignment]
        for pos in compress(range(len(tokens)), map(at.__contains__, tokens)):
            positions = at[tokens[pos]]
            if positions is None:
                at[tokens[pos]] = [pos]
            else:
                positions.append(pos)
        atoms_at = list(map(get, tokens))
        n = len(atoms_at)
        if n > _MAX_ANCHOR_POSITIONS:
            return _spans_by_anchor(chosen, at, atoms_at)
        spans: dict[int, list[tuple[int, int]]] = {}
        # Each pattern at each occurrence of its anchor: ``_forward`` then ``_backward``, with
        # one-step sides unrolled (the same nearest-first answer, without the calls).
        for token, (_, _, owner, left, right, r_gap, r_atom, r_gap2, r_atom2, l_gap, l_atom, l_gap2, l_atom2) in chosen:
            positions = at[token]
            if r_gap == -1 and l_gap == -1:
                found = [(pos, pos) for pos in positions]
            else:
                found = []
                for pos in positions:
                    if r_gap == -1:
                        end = pos
                    elif r_gap >= 0:
                        stop = pos + 2 + r_gap
                        if stop > n:
                            stop = n
                        if r_gap2 == -1:
                            # A while loop: windows are a few words, a range object costs more.
                            end = pos + 1
                            while end < stop and r_atom not in atoms_at[end]:
                                end += 1
                            if end >= stop:
                                continue
                        else:
                            for mid in range(pos + 1, stop):
                                if r_atom in atoms_at[mid]:
                                    stop2 = mid + 2 + r_gap2
                                    if stop2 > n:
                                        stop2 = n
                                    end = mid + 1
                                    while end < stop2 and r_atom2 not in atoms_at[end]:
                                        end += 1
                                    if end < stop2:
                                        break
                            else:
                                continue
                    else:
                        end = _forward(right, 0, atoms_at, pos)
                        if end < 0:
                            continue
                    if l_gap == -1:
                        start = pos
                    elif l_gap >= 0:
                        stop = pos - 2 - l_gap
                        if stop < -1:
                            stop = -1
                        if l_gap2 == -1:
                            start = pos - 1
                            while start > stop and l_atom not in atoms_at[start]:
                                start -= 1
                            if start <= stop:
                                continue
                        else:
                            for mid in range(pos - 1, stop, -1):
                                if l_atom in atoms_at[mid]:
                                    stop2 = mid - 2 - l_gap2
                                    if stop2 < -1:
                                        stop2 = -1
                                    start = mid - 1
                                    while start > stop2 and l_atom2 not in atoms_at[start]:
                                        start -= 1
                                    if start > stop2:
                                        break
                            else:
                                continue
                    else:
                        start = _backward(left, 0, atoms_at, pos)
                        if start < 0:
                            continue
                    found.append((start, end))
                if not found:
                    continue
            done = spans.get(owner)
            if done is None:
                spans[owner] = found
            else:
                done.extend(found)
        return spans


# (others, anchor, owner, left, right, then for the right and the left side: gap and atom of
# the first step, gap and atom of the second; see ``_unrolled``)
_Entry = tuple[frozenset[int], int, int, Steps, Steps, int, int, int, int, int, int, int, int]


def _unrolled(steps: Steps) -> tuple[int, int, int, int]:
    """A side of a pattern as (gap, atom, gap, atom) for code that walks one or two steps inline:
    gaps -1 for no step (no second step), first gap -2 for three steps or more (``_forward``)."""
    if not steps:
        return -1, -1, -1, -1
    if len(steps) == 1:
        return steps[0][0], steps[0][1], -1, -1
    if len(steps) == 2:
        return steps[0][0], steps[0][1], steps[1][0], steps[1][1]
    return -2, -1, -1, -1


class _AnchoredBy(dict[frozenset[int], tuple[_Entry, ...]]):
    """Atom set -> the patterns anchored on any of its atoms, filled on first use.

    A function of the rules alone (many tokens share an atom set, most anchor nothing), so it
    is kept across texts; bounded like the token cache.
    """

    def __init__(self, by_anchor: Mapping[int, tuple[_Entry, ...]]) -> None:
        super().__init__()
        self._by_anchor = by_anchor

    def __missing__(self, ids: frozenset[int]) -> tuple[_Entry, ...]:
        by_anchor = self._by_anchor
        entries = tuple(entry for anchor in ids if anchor in by_anchor for entry in by_anchor[anchor])
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[ids] = entries
        return entries


def _spans_by_anchor(
    chosen: Iterable[tuple[str, _Entry]], at: Mapping[str, list[int]], atoms_at: list[frozenset[int]]
) -> dict[int, list[tuple[int, int]]]:
    """The same spans for a text longer than ``_MAX_ANCHOR_POSITIONS`` tokens, where each pattern
    is tried at the first ``_MAX_ANCHOR_POSITIONS`` occurrences of its anchor only (an anchor
    atom may be carried by several distinct tokens)."""
    positions_of: dict[int, set[int]] = {}
    entries_of: dict[int, dict[int, _Entry]] = {}
    for token, entry in chosen:
        positions_of.setdefault(entry[1], set()).update(at[token])
        entries_of.setdefault(entry[1], {})[id(entry)] = entry
    spans: dict[int, list[tuple[int, int]]] = {}
    for anchor, entries in entries_of.items():
        positions = sorted(positions_of[anchor])[:_MAX_ANCHOR_POSITIONS]
        for entry in entries.values():
            found = _spans_from(positions, entry, atoms_at)
            if found:
                spans.setdefault(entry[2], []).extend(found)
    return spans


def _spans_from(positions: Sequence[int], entry: _Entry, atoms_at: Sequence[frozenset[int]]) -> list[tuple[int, int]]:
    """The spans of one pattern around each of the anchor's ``positions``, right then left."""
    left, right = entry[3], entry[4]
    found: list[tuple[int, int]] = []
    for pos in positions:
        end = _forward(right, 0, atoms_at, pos) if right else pos
        if end < 0:
            continue
        start = _backward(left, 0, atoms_at, pos) if left else pos
        if start >= 0:
            found.append((start, end))
    return found


def overlaps(span: tuple[int, int], others: Iterable[tuple[int, int]]) -> bool:
    """True when ``span`` shares a token with any of ``others``."""
    start, end = span
    return any(o_start <= end and start <= o_end for o_start, o_end in others)
