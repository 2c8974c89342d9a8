"""The keyword rules: reading the per-language TOML files, checking them, compiling them.

Rules are data so that an analyst can add a word without touching code. One file
per reporter language lives in ``triage/rules/<code>.toml``; the format is
documented in ``docs/triage.md``. A rule names a category, an urgency it raises
to, or a *signal* (a fact other rules or the scoring policy use, such as
``care_refused``), and lists word-family patterns.

The rules of every language are applied to every text: reports code-switch
(Taglish, Hinglish, French with English words), and a mislabelled language must
not make a report look harmless. Rule files are loaded and compiled once per
process; after that matching does no I/O.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress, filterfalse
from pathlib import Path

import msgspec

from signalement.i18n import LANGUAGES
from signalement.triage.matching import Lexicon, Pattern, PatternIndex, Primitive, overlaps, primitive_weight
from signalement.triage.normalize import (
    Segmenter,
    collapse_runs,
    fold,
    fold_surface,
    is_han,
    split_words,
    tokenize,
)
from signalement.triage.scope import (
    MARKS,
    LanguageScope,
    ScopeSpec,
    ScopeTables,
    TextScope,
    compile_scope,
    mark_punctuation,
    narrower_weakness,
)
from signalement.triage.taxonomy import CATEGORIES, CATEGORY_URGENCY

RULES_DIR = Path(__file__).resolve().parent / "rules"
RULE_LANGUAGES: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES)
ESCALATIONS = ("immediate", "high")
# Signals the scoring policy reads; rule files may define others for their own `when`.
POLICY_SIGNALS = frozenset(
    {"now", "injury", "injury_serious", "care_refused", "trafficking", "complaint", "reassured", "weapon"}
)
DEFAULT_GAP = 3
MAX_GAP = 12
MAX_MATCHED = 8
MAX_VARIANTS = 256
MAX_CONCEPTS = 3

_RULE_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\Z")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_CLASS_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")
_RANGE = re.compile(r"<(\d{1,6})-(\d{1,6})>\Z")
_GAP = re.compile(r"~(\d{1,2})?\Z")


class RuleFileError(ValueError):
    """A rule file that does not parse or breaks the rule format."""


class RuleSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One ``[[rule]]`` table, as written by an analyst."""

    id: str
    patterns: tuple[str, ...] = ()
    category: str | None = None
    urgency: str | None = None
    signal: str | None = None
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    weak: bool = False
    deniable: bool = True
    note: str = ""
    # A compositional rule (issue 12, third pass): it fires when a word of each of these classes
    # (concept lexicons) stands within ``window`` words of the next, in any order; e.g. a person
    # with power and an intimate context. Its reason names the concepts that matched.
    concepts: tuple[str, ...] = ()
    window: int = 6
    # A negation between the concepts denies the combination ("the boss never came to my bed");
    # false where a negation there is part of the account ("took our phones, we never go out").
    # Unset means true for a compositional rule and false for a pattern rule; a pattern rule sets it
    # where a negation inside its match is a denial (French "il m'a jamais touché", fourth pass).
    negation_inside: bool | None = None


class RuleFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One language's rule file."""

    language: str
    name: str
    reviewed: str = ""
    classes: dict[str, tuple[str, ...]] = {}
    # Concept lexicons for compositional rules: word classes too (usable as @NAME), kept apart
    # so that a reviewer reads each language's concepts together.
    concepts: dict[str, tuple[str, ...]] = {}
    segmentation: tuple[str, ...] = ()
    scope: ScopeSpec = ScopeSpec()
    rule: tuple[RuleSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule. ``rule_id`` is prefixed with the language: ``tl.confinement.locked``."""

    rule_id: str
    language: str
    category: str | None
    urgency: str | None
    signal: str | None
    when: frozenset[str]
    patterns: tuple[Pattern, ...]
    unless: tuple[Pattern, ...]
    weak: bool = False
    deniable: bool = True
    concepts: tuple[str, ...] = ()
    window: int = 0
    negation_inside: bool = False


# Why a match does not state the act (``RuleHit.scope``): see ``scope.py``; "ambiguous" is a
# match of a rule marked ``weak`` (a single word with harmless meanings too).
AMBIGUOUS = "ambiguous"


class RuleHit(msgspec.Struct, frozen=True, kw_only=True):
    """A rule that fired on a text, with the (folded) words it matched.

    ``scope`` is None when the text states what the rule looks for; otherwise the rule only
    fired weakly ("negated", "hypothetical", "reported" or "ambiguous"): it adds no category,
    no urgency and no signal, and the policy decides whether a human should look.
    """

    rule: Rule
    matched: tuple[str, ...]
    scope: str | None = None


def read_rule_file(path: Path) -> RuleFile:
    """Parse and check one rule file; ``RuleFileError`` names the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        spec = msgspec.convert(data, RuleFile)
    except (tomllib.TOMLDecodeError, msgspec.ValidationError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"{path.name}: {exc}") from None
    if spec.language != path.stem:
        raise RuleFileError(f"{path.name}: language is {spec.language!r}, expected {path.stem!r}")
    seen: set[str] = set()
    for rule in spec.rule:
        _check_rule(path.name, rule)
        if rule.id in seen:
            raise RuleFileError(f"{path.name}: rule id {rule.id!r} is used twice")
        seen.add(rule.id)
    for name in (*spec.classes, *spec.concepts):
        if not _CLASS_NAME.match(name):
            raise RuleFileError(f"{path.name}: class name {name!r} must be UPPER_CASE")
    if clash := sorted(set(spec.classes) & set(spec.concepts)):
        raise RuleFileError(f"{path.name}: {clash[0]!r} is both a class and a concept")
    return spec


def _check_rule(filename: str, rule: RuleSpec) -> None:
    where = f"{filename}: rule {rule.id!r}"
    if not _RULE_ID.match(rule.id):
        raise RuleFileError(f"{where}: id must be dotted lower_case words, like 'confinement.locked'")
    if rule.category is not None and rule.category not in CATEGORIES:
        raise RuleFileError(f"{where}: unknown category {rule.category!r}")
    if rule.urgency is not None and rule.urgency not in ESCALATIONS:
        raise RuleFileError(f"{where}: urgency must be one of {ESCALATIONS}")
    if rule.category is None and rule.urgency is None and rule.signal is None:
        raise RuleFileError(f"{where}: give a category, an urgency or a signal")
    for name in (rule.signal, *rule.when):
        if name is not None and not _NAME.match(name):
            raise RuleFileError(f"{where}: signal names are lower_case words, not {name!r}")
    if rule.when and rule.signal:
        # One level only: a gated rule cannot feed another gate, so evaluation order never matters.
        raise RuleFileError(f"{where}: a rule with 'when' cannot also raise a signal")
    if rule.concepts:
        if not 2 <= len(rule.concepts) <= MAX_CONCEPTS:
            raise RuleFileError(f"{where}: a compositional rule combines 2 to {MAX_CONCEPTS} concepts")
        if len(set(rule.concepts)) != len(rule.concepts):
            raise RuleFileError(f"{where}: a concept is listed twice")
        if not 1 <= rule.window <= MAX_GAP:
            raise RuleFileError(f"{where}: window must be 1 to {MAX_GAP} words")
    elif not rule.patterns:
        raise RuleFileError(f"{where}: no patterns")




def rule_paths(directory: Path = RULES_DIR) -> tuple[Path, ...]:
    """The rule files in a directory: reporter languages first, in their usual order."""
    order = {code: i for i, code in enumerate(RULE_LANGUAGES)}
    paths = [p for p in directory.glob("*.toml") if not p.name.startswith("_")]
    return tuple(sorted(paths, key=lambda p: (order.get(p.stem, len(order)), p.stem)))


class _Compiler:
    """Turns rule text into atoms and patterns shared across all files."""

    def __init__(self) -> None:
        self.atoms: dict[frozenset[Primitive], int] = {}
        self.han_words: set[str] = set()

    def atom(self, primitives: Iterable[Primitive]) -> int:
        key = frozenset(primitives)
        return self.atoms.setdefault(key, len(self.atoms))

    def primitive(self, text: str, where: str) -> list[Primitive]:
        """A single alternative: one primitive, or several exact words in a row for a plain phrase."""
        if match := _RANGE.match(text):
            lo, hi = int(match[1]), int(match[2])
            if lo > hi:
                raise RuleFileError(f"{where}: empty range {text!r}")
            return [("range", (lo, hi))]
        head, tail = text.startswith("*"), text.endswith("*") and len(text) > 1
        words = split_words(fold(text.strip("*")))
        if not head and not tail:
            if not words:
                raise RuleFileError(f"{where}: {text!r} has no letters")
            for word in words:
                if is_han(word):
                    self.han_words.add(word)
            return [("exact", word) for word in words]
        if len(words) != 1 or is_han(words[0]):
            raise RuleFileError(f"{where}: wildcard {text!r} must be one non-Chinese word")
        stem = words[0]
        if len(stem) < (3 if stem.isascii() else 2):
            raise RuleFileError(f"{where}: stem of {text!r} is too short to be safe")
        kind = "contains" if head and tail else "suffix" if head else "prefix"
        return [(kind, stem)]

    def variants(self, texts: Iterable[str], where: str) -> list[tuple[int, ...]]:
        """Alternatives as atom sequences: one-word alternatives share one atom; each phrase is its own."""
        single: list[Primitive] = []
        phrases: list[tuple[int, ...]] = []
        for text in texts:
            prims = self.primitive(text, where)
            if len(prims) == 1:
                single.extend(prims)
            else:
                phrases.append(tuple(self.atom([p]) for p in prims))
        return ([(self.atom(single),)] if single else []) + phrases

    def element(self, text: str, classes: dict[str, tuple[str, ...]], where: str) -> list[tuple[int, ...]]:
        """What one space-separated pattern element can match: ``a|b_c|@CLASS`` gives two variants."""
        texts: list[str] = []
        for alt in filter(None, text.split("|")):
            if alt.startswith("@"):
                if alt[1:] not in classes:
                    raise RuleFileError(f"{where}: unknown class {alt!r}")
                texts.extend(classes[alt[1:]])
            else:
                texts.append(alt)
        if not texts:
            raise RuleFileError(f"{where}: empty element {text!r}")
        return self.variants(texts, where)

    def patterns(self, text: str, classes: dict[str, tuple[str, ...]], where: str) -> list[Pattern]:
        """One pattern line, expanded into one compiled pattern per combination of phrase alternatives."""
        # Each partial pattern is a list of (gap before, atom).
        partials: list[list[tuple[int, int]]] = [[]]
        pending_gap: int | None = None
        for element in text.split():
            if gap := _GAP.match(element):
                if pending_gap is not None or not partials[0]:
                    raise RuleFileError(f"{where}: misplaced gap in {text!r}")
                pending_gap = int(gap[1]) if gap[1] else DEFAULT_GAP
                if pending_gap > MAX_GAP:
                    raise RuleFileError(f"{where}: gap larger than {MAX_GAP} in {text!r}")
                continue
            options = self.element(element, classes, where)
            first_gap = pending_gap if pending_gap is not None else 0
            partials = [
                done + [(first_gap if i == 0 else 0, atom) for i, atom in enumerate(option)]
                for done in partials
                for option in options
            ]
            if len(partials) > MAX_VARIANTS:
                raise RuleFileError(f"{where}: {text!r} expands to more than {MAX_VARIANTS} patterns")
            pending_gap = None
        if not partials[0] or pending_gap is not None:
            raise RuleFileError(f"{where}: pattern {text!r} must start and end with a word")
        return [(steps[0][1], tuple(steps[1:])) for steps in partials]

    def classes(self, spec: RuleFile) -> dict[str, tuple[str, ...]]:
        """The file's word classes, checked once so a bad member is reported with its class."""
        merged = {**spec.classes, **spec.concepts}
        for name, members in merged.items():
            self.variants(members, f"{spec.language}.toml: class {name}")
        return merged


class Rulebook:
    """All rule files compiled together; ``match`` is pure and thread-safe."""

    def __init__(self, files: Sequence[RuleFile]) -> None:
        compiler = _Compiler()
        rules: list[Rule] = []
        raw_patterns: list[tuple[int, int, Pattern]] = []  # (rule index, kind, pattern)
        extra_words: set[str] = set()
        # Compositional rules: each concept (language, class) is matched once, as its own owner,
        # and a rule fires where all its concepts co-occur (``_combine``).
        concept_keys: dict[tuple[str, str], int] = {}
        concept_patterns: list[tuple[tuple[str, str], list[Pattern]]] = []
        combos: list[tuple[int, tuple[int, ...]]] = []
        for spec in files:
            classes = compiler.classes(spec)
            extra_words.update(w for word in spec.segmentation for w in split_words(fold(word)) if is_han(w))
            for raw in spec.rule:
                where = f"{spec.language}.toml: rule {raw.id!r}"
                for name in raw.concepts:
                    if name not in classes:
                        raise RuleFileError(f"{where}: unknown concept {name!r} (a [concepts] name)")
                patterns = tuple(c for p in raw.patterns for c in compiler.patterns(p, classes, where))
                unless = tuple(c for p in raw.unless for c in compiler.patterns(p, classes, where))
                index = len(rules)
                rules.append(
                    Rule(
                        rule_id=f"{spec.language}.{raw.id}",
                        language=spec.language,
                        category=raw.category,
                        urgency=raw.urgency,
                        signal=raw.signal,
                        when=frozenset(raw.when),
                        patterns=patterns,
                        unless=unless,
                        weak=raw.weak,
                        deniable=raw.deniable,
                        concepts=raw.concepts,
                        window=raw.window if raw.concepts else 0,
                        negation_inside=raw.negation_inside is not False if raw.concepts else bool(raw.negation_inside),
                    )
                )
                if raw.concepts:
                    keys = []
                    for name in raw.concepts:
                        key = (spec.language, name)
                        if key not in concept_keys:
                            concept_keys[key] = len(concept_patterns)
                            concept_patterns.append(
                                (key, compiler.patterns(f"@{name}", classes, f"{spec.language}.toml: concept {name}"))
                            )
                        keys.append(concept_keys[key])
                    combos.append((index, tuple(keys)))
                raw_patterns.extend((index, _PATTERN, p) for p in patterns)
                raw_patterns.extend((index, _UNLESS, p) for p in unless)
        self.rules: tuple[Rule, ...] = tuple(rules)
        # Per rule: whether the rest of a conditional question weakens it (``TextScope.weakness``,
        # ``asked``): a rule of no sensitive family, or one gated by another rule's fact ("sent home"
        # after a serious injury); "if I complain will he hit me again?" still counts.
        self._asked = tuple(
            bool(rule.when)
            or (rule.urgency != "immediate" and CATEGORY_URGENCY.get(rule.category or "") != "immediate")
            for rule in self.rules
        )
        self.fingerprint = ""  # set by load_rulebook from the files' bytes
        self.languages: tuple[str, ...] = tuple(spec.language for spec in files)
        self.lexicon = Lexicon(compiler.atoms)
        self.segmenter = Segmenter(compiler.han_words | extra_words)
        self.scopes: dict[str, LanguageScope] = {
            spec.language: compile_scope(spec.language, spec.scope, self._surface_tokens) for spec in files
        }
        self._scope_tables = ScopeTables(self.scopes)
        # A pattern containing a negation word of its language states a negative fact ("did not
        # pay"): its matches are never read as denied. Owner keys: 3*i for a rule's other
        # patterns, 3*i+1 for its exceptions, 3*i+2 for its negative patterns.
        negative_atoms = {
            code: frozenset().union(*(self.lexicon.lookup(collapse_runs(phrase[0])) for phrase in scope.negation))
            for code, scope in self.scopes.items()
        }
        owned: list[tuple[int, Pattern]] = []
        for index, kind, pattern in raw_patterns:
            if kind == _PATTERN:
                atoms = {pattern[0], *(atom for _, atom in pattern[1])}
                if not atoms.isdisjoint(negative_atoms.get(rules[index].language, frozenset())):
                    kind = _NEGATIVE
            owned.append((3 * index + kind, pattern))
        # Concept owners come after the rules' (3 * (rules + j)), so they never name a rule: a member
        # of a concept that holds a negation of its language ("not allowed", "không cho ra") is filed
        # as negative (3 * (rules + j) + 2), and a combination using it states a negative fact (never
        # read as denied, like a negative pattern); the other members are plain (3 * (rules + j)).
        first_concept = len(rules)
        for j, ((language, _), patterns_of) in enumerate(concept_patterns):
            negative = negative_atoms.get(language, frozenset())
            for pattern in patterns_of:
                atoms = {pattern[0], *(atom for _, atom in pattern[1])}
                owned.append((3 * (first_concept + j) + (_NEGATIVE if not atoms.isdisjoint(negative) else 0), pattern))
        self._combos: tuple[tuple[int, tuple[int, ...], frozenset[int], int], ...] = tuple(
            (index, owners, frozenset(owners), rules[index].window)
            for index, owners in ((i, tuple(3 * (first_concept + j) for j in keys)) for i, keys in combos)
        )
        # Each combination filed under one of its concepts, the one with the fewest members (a rough
        # stand-in for the rarest): a text only tests the combinations filed under a concept it
        # holds, instead of every compositional rule (their order does not matter: one rule each).
        sizes = {3 * (first_concept + j): len(patterns_of) for j, (_, patterns_of) in enumerate(concept_patterns)}
        filed: dict[int, list[tuple[int, tuple[int, ...], frozenset[int], int]]] = {}
        for combo in self._combos:
            filed.setdefault(min(combo[1], key=lambda owner: (sizes[owner], owner)), []).append(combo)
        self._combos_by_concept = {owner: tuple(found) for owner, found in filed.items()}
        self._rule_owners = 3 * first_concept
        weights = {atom: sum(primitive_weight(p) for p in prims) for prims, atom in compiler.atoms.items()}
        self._index = PatternIndex(owned, weights)

    def tokens(self, text: str) -> list[str]:
        """The folded, segmented tokens of a text."""
        return tokenize(fold(text), self.segmenter)

    def match(self, text: str) -> tuple[tuple[RuleHit, ...], frozenset[str]]:
        """The rules that fire on ``text`` (in rule order) and the signals they raise."""
        hits, signals, _ = self.match_tokens(text)
        return hits, signals

    def match_tokens(self, text: str) -> tuple[tuple[RuleHit, ...], frozenset[str], list[str]]:
        """``match``, and the text's tokens as quoted (folded surface form, punctuation out), which the
        second opinion reads at no further cost (``second_opinion.text_tokens`` computes the same)."""
        # Tokenize once, in the quoted form; the lexicon collapses vowel runs in each token it reads.
        # Collapsing removes a letter next to the same letter inside a word, so it never moves a
        # word boundary: the collapsed text has the same tokens, each collapsed (the same number
        # of tokens, see test_triage_normalize), and the quoted tokens keep their positions.
        marked = tokenize(mark_punctuation(fold_surface(text)), self.segmenter)
        # At C speed: the tokens that are not punctuation marks, then, if there were any, where the
        # marks stand (two membership passes cost less than one pass and a negation per token).
        is_mark = MARKS.__contains__
        quoted = list(filterfalse(is_mark, marked))
        marks = list(compress(range(len(marked)), map(is_mark, marked))) if len(quoted) < len(marked) else []
        if not quoted:
            return (), frozenset(), quoted
        typed = set(quoted)
        distinct = list(typed)
        # The lexicon collapses vowel runs itself, once per token it has not seen (``lookup``).
        get = self.lexicon.atoms_of(typed).__getitem__
        spans = self._index.spans(quoted, distinct, get)
        if not spans:
            return (), frozenset(), quoted
        rules = self.rules
        scope = TextScope(text, marked, marks, quoted, self._scope_tables, typed)
        limit = self._rule_owners
        if self._combos and max(spans) >= limit:
            # The concepts present (plain or negative members alike), then only the combinations
            # whose every concept is present: one subset test per compositional rule.
            present = {owner - owner % 3 for owner in spans if owner >= limit}
            by_concept = self._combos_by_concept
            filed = [combo for owner in present if owner in by_concept for combo in by_concept[owner]]
            for index, keys, needed, window in filed:
                if not needed <= present:
                    continue
                lists = [spans.get(key, []) + spans.get(key + _NEGATIVE, []) for key in keys]
                negative = {span for key in keys for span in spans.get(key + _NEGATIVE, ())}
                for first, last, parts in _combinations(lists, window, scope.sentence):
                    kind = _NEGATIVE if negative and not negative.isdisjoint(parts) else _PATTERN
                    spans.setdefault(3 * index + kind, []).append((first, last))
        candidates: list[tuple[Rule, list[tuple[int, int]], str | None]] = []
        # Per language, once per text: its verdict, and whether every match reads as stated.
        verdicts: dict[str, tuple[bool | None, bool]] = {}
        for index in sorted({o // 3 for o in spans if o % 3 != _UNLESS and o < limit}):
            rule = rules[index]
            language = rule.language
            known = verdicts.get(language)
            if known is None:
                verdict = scope.verdict(language)
                known = verdicts[language] = (verdict, verdict is True and not scope.has_cues(language))
            verdict, plain = known
            if verdict is False:
                continue
            excluded = spans.get(3 * index + _UNLESS)
            if plain:
                # Every match reads as stated: no check per match.
                found = [
                    span
                    for kind in (_PATTERN, _NEGATIVE)
                    for span in spans.get(3 * index + kind, ())
                    if not (excluded and overlaps(span, excluded))
                ]
                if found:
                    candidates.append((rule, found, AMBIGUOUS if rule.weak else None))
                continue
            strong: list[tuple[int, int]] = []
            weak: list[tuple[int, int]] = []
            why: str | None = None
            asked = self._asked[index]
            for kind in (_PATTERN, _NEGATIVE):
                deniable = kind == _PATTERN and rule.deniable
                for span in spans.get(3 * index + kind, ()):
                    if excluded and overlaps(span, excluded):
                        continue
                    if verdict is None and not scope.allows(language, span):
                        continue
                    # Once the rule fired, its other matches are only quoted.
                    # A combination is denied by a negation between its concepts too ("the boss never
                    # came to my bed"), not only before them.
                    weakness = (
                        None
                        if strong
                        else scope.weakness(
                            language, span, deniable=deniable, inside=rule.negation_inside, asked=asked
                        )
                    )
                    if weakness is None:
                        strong.append(span)
                    else:
                        weak.append(span)
                        why = narrower_weakness(why, weakness)
            if strong:
                # Every match is quoted once the rule fired, the weakened ones read before the first
                # stated one included: the quote does not depend on the order spans come in.
                candidates.append((rule, strong + weak if weak else strong, AMBIGUOUS if rule.weak else None))
            elif weak:
                candidates.append((rule, weak, why))
        signals = frozenset(
            rule.signal for rule, _, why in candidates if rule.signal and not rule.when and why is None
        )
        # Quote the words as typed (case and accents folded), not with vowel runs collapsed.
        hits = tuple(
            RuleHit(rule=rule, matched=_matched_words(quoted, found), scope=why)
            for rule, found, why in candidates
            if rule.when <= signals
        )
        return hits, signals, quoted

    def _surface_tokens(self, text: str) -> list[str]:
        """Tokens of raw text in the quoted form (as ``match`` reads the whole text)."""
        return tokenize(fold_surface(text), self.segmenter)


_PATTERN, _UNLESS, _NEGATIVE = 0, 1, 2


# A compositional rule looks at this many matches of each concept at most (a hostile text
# repeating concept words cannot make the combination quadratic or worse).
MAX_CONCEPT_MATCHES = 12


def _combine(
    lists: Sequence[list[tuple[int, int]]], window: int, sentence: Callable[[int], int]
) -> list[tuple[int, int]]:
    """Spans where one match of every concept stands within ``window`` words of the next, in any
    order, without overlapping, inside one sentence (a comma does not separate them, a full stop
    does): "the supervisor came to my bed at night" from POWER, PRIVATE and NIGHT."""
    return sorted({(first, last) for first, last, _ in _combinations(lists, window, sentence)})


def _combinations(
    lists: Sequence[list[tuple[int, int]]], window: int, sentence: Callable[[int], int]
) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
    """``_combine`` with the concept matches each span combines, in a deterministic order."""
    found: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
    capped = [sorted(set(spans))[:MAX_CONCEPT_MATCHES] for spans in lists]
    if len(capped) == 2:  # most rules: two concepts, no sorting per pair
        for a in capped[0]:
            for b in capped[1]:
                x, y = (a, b) if a <= b else (b, a)
                if x[1] < y[0] <= x[1] + 1 + window and sentence(x[0]) == sentence(y[1]):
                    found.append((x[0], y[1], (x, y)))
        return found
    # Three concepts (MAX_CONCEPTS). Any two matches of a valid combination start at most this
    # far apart (two gaps and the two longest matches): other triples are dropped unsorted.
    longest = max(end - start for spans in capped for start, end in spans)
    reach = 2 * (window + 1) + 2 * longest
    first_list, second_list, third_list = capped
    for a in first_list:
        for b in second_list:
            if a[0] - b[0] > reach or b[0] - a[0] > reach:
                continue
            for c in third_list:
                if c[0] - a[0] > reach or a[0] - c[0] > reach or c[0] - b[0] > reach or b[0] - c[0] > reach:
                    continue
                x, y, z = sorted((a, b, c))
                if x[1] < y[0] <= x[1] + 1 + window and y[1] < z[0] <= y[1] + 1 + window:
                    if sentence(x[0]) == sentence(z[1]):
                        found.append((x[0], z[1], (x, y, z)))
    return found


def _matched_words(tokens: Sequence[str], spans: Iterable[tuple[int, int]]) -> tuple[str, ...]:
    words: dict[str, None] = {}  # insertion-ordered set
    for start, end in sorted(set(spans)):
        phrase = (tokens[start] if start == end else " ".join(tokens[start : end + 1]))[:80]
        if phrase not in words:
            words[phrase] = None
            if len(words) == MAX_MATCHED:
                break
    return tuple(words)


def load_rulebook(directory: Path = RULES_DIR) -> Rulebook:
    """Read, check and compile every rule file in ``directory``."""
    paths = rule_paths(directory)
    book = Rulebook([read_rule_file(path) for path in paths])
    book.fingerprint = fingerprint(paths)
    return book


def fingerprint(paths: Iterable[Path]) -> str:
    """A short hash of the rule files' bytes: stored with each automatic decision so that an
    override can later be replayed against exactly the rules that made the decision."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def default_rulebook() -> Rulebook:
    """The rules shipped with the package, compiled once per process."""
    return load_rulebook()
