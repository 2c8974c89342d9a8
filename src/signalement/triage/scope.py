"""Where a rule's words stand in the text: denied, hypothetical, reported, or in another language.

Keyword rules find words; this module decides whether a match states the act. Each rule
file has a ``[scope]`` table (``docs/triage.md``) with its language's

* ``negation`` words ("not", "nobody", "pas", "nadie", "hindi", "nahi", "không", 没有): a match
  with one of them shortly before it in the same clause, inside it, or (for the verb-final
  languages Hindi and Punjabi) just after it, is *denied*: "nobody hit me", "ils ne m'ont pas
  frappé", "passport nahi liya". A pattern that itself contains a negation word of its
  language ("did not pay", "không cho ra ngoài") states a negative fact and is never denied;
* ``hypothetical`` words ("if", "si", "kung", "agar", "nếu", 如果): a match within a few words
  after one, before the clause ends or a ``then`` word ("then", "alors", "to", 就), is
  *hypothetical*: "if I get sick"; the consequence of a conditional threat ("if you complain
  I will kill you") lies beyond that window and still counts. In a sentence that ends with a
  question mark, the whole sentence after the hypothetical word is in scope, for the rules that
  ask it (those of no sensitive family): "if I get hurt, will they send me home?" asks, it states
  nothing;
* ``reported`` words (news, article, noticias, balita, khabar, tin tức, 新闻): a match in the
  same sentence is *reported*: "I read in the news that workers were locked on a farm";
* ``comparisons`` (before a report word) and ``comparisons_after`` (after it, in verb-final Hindi,
  Punjabi and in Chinese): a report word a few words after "like a", "comme dans", "como en", "parang",
  "jaise", "giống như", 像 (or just before "jaisa", "ਵਰਗਾ", 一样) is a *comparison*, not a report: "he
  beat me, it was like a movie" is the reporter's own account (tenth pass); another report word in the
  sentence still makes it reported;
* ``questions``: words that, right after a hypothetical word, make it an indirect question
  ("kung bakit" = "why", "I don't know if it's legal"), which states the act;
* ``boundaries``: conjunctions that end a clause ("but", "and", "mais", "pero", "lekin",
  "nhưng", 但是), so a denial of one thing does not cancel the next: "nobody hit me but
  they took my passport";
* ``contrasts``: the conjunctions among those that end a *reported* account ("but", "mais",
  但是): "and" does not ("workers were locked in and beaten" stays news); a language that lists
  none uses its ``boundaries``;
* ``markers`` and ``letters``: common words and letters that show a stretch of text is in the
  language (scripts are known for zh, hi and pa). A rule only fires on a sentence showing its
  language, or, when a sentence shows none, on a text that does (or any text showing no
  language at all): an English rule does not read the Vietnamese syllable "hit" (inhale).

Punctuation ends clauses and sentences in every language. All of this is computed only for
texts in which some rule matched, on the same tokens the rules matched, and never raises:
if the clause-by-clause tokens ever disagreed with the text's tokens, every match would be
kept as stated (the safe side).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress

import msgspec

# Words after a hypothetical cue that are still in its scope.
HYPOTHETICAL_WINDOW = 4
# Words between a negation and the match it denies (Vietnamese negates the next word or two).
NEGATION_WINDOW = {"vi": 1}
DEFAULT_NEGATION_WINDOW = 3
# Verb-final languages: the negation may follow the verb ("maara nahi") or sit inside the
# match ("passport nahi liya"); Chinese puts it inside too (护照没被拿走).
NEGATION_AFTER = {"hi": 3, "pa": 3}
# How far before a ``negation_after`` word a ``bracket`` word ("ne", "n'") makes it the close of "ne … pas".
BRACKET_WINDOW = 3
NEGATION_INSIDE = frozenset({"hi", "pa", "zh"})

# Words between a comparison ("like a", 像) and the report word it compares to, before and after it.
COMPARISON_BEFORE = 4
COMPARISON_AFTER = 3

# Sentence ends (reported speech scope) and other clause ends, in every script.
_SENTENCE_END = ".!?…\n\r\u3002\uff01\uff1f\u0964\u0965"
_CLAUSE_END = _SENTENCE_END + ",;:()\"\u201c\u201d\uff0c\uff1b\uff1a\u3001"
_SPLIT = re.compile(f"([{re.escape(_CLAUSE_END)}]+)")

DENIED, HYPOTHETICAL, REPORTED = "negated", "hypothetical", "reported"
# When every match of a rule is weakened, but not all alike, the rule takes the weakness of the
# narrowest cue: a denial (a few words of one clause), then a hypothesis (a few words after "if",
# or the rest of a conditional question), then a report (the whole sentence). Never the weakness
# of the match read first: matches come in set iteration order, which changes with the hash seed.
# A report last also keeps the policy's human look when another match was denied or hypothetical.
WEAKNESS_PRECEDENCE = {DENIED: 0, HYPOTHETICAL: 1, REPORTED: 2}


def narrower_weakness(first: str | None, second: str) -> str:
    """Of two weaknesses of one rule's matches, the one that names the rule's (see above)."""
    if first is None or WEAKNESS_PRECEDENCE[second] < WEAKNESS_PRECEDENCE[first]:
        return second
    return first


class ScopeSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The ``[scope]`` table of a rule file; every entry is written as the language writes it."""

    negation: tuple[str, ...] = ()
    # One-word negations that deny the match they directly follow, in speech that drops the one before the verb
    # ("il nous frappe pas"); and phrases that begin with a negation word without being one ("pas mal", a lot).
    negation_after: tuple[str, ...] = ()
    not_negation: tuple[str, ...] = ()
    # Words that, right after a ``negation_after`` word, make it the determiner of a noun ("sinon pas de visa").
    not_after: tuple[str, ...] = ()
    # Words that open a negation a ``negation_after`` word closes ("ne" … "pas"): that one denies its own verb.
    bracket: tuple[str, ...] = ()
    speech: tuple[str, ...] = ()
    code_switch_with: tuple[str, ...] = ()
    hypothetical: tuple[str, ...] = ()
    then: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    habitual: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()
    comparisons: tuple[str, ...] = ()
    comparisons_after: tuple[str, ...] = ()
    boundaries: tuple[str, ...] = ()
    contrasts: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    letters: str = ""


Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LanguageScope:
    """A language's scope words, folded and split like the text (phrases as token tuples)."""

    language: str
    negation: tuple[Phrase, ...]
    negation_after: frozenset[str]
    not_negation: tuple[Phrase, ...]
    not_after: frozenset[str]
    bracket: frozenset[str]
    hypothetical: tuple[Phrase, ...]
    then: frozenset[str]
    speech: frozenset[str]
    code_switch_with: frozenset[str]
    questions: frozenset[str]
    habitual: frozenset[str]
    reported: tuple[Phrase, ...]
    comparisons: tuple[Phrase, ...]
    comparisons_after: tuple[Phrase, ...]
    boundaries: frozenset[str]
    contrasts: frozenset[str]
    markers: frozenset[str]
    letters: frozenset[str]


class ScopeTables:
    """Every language's scope words, indexed for one pass over a text's tokens."""

    def __init__(self, languages: dict[str, LanguageScope]) -> None:
        self.languages = languages
        markers: dict[str, set[str]] = {}
        # Each cue phrase is filed under its rarest-looking word, with that word's offset in the
        # phrase: not a marker or a one-word cue when it can (those are common: "the", "không"),
        # then the longest ("case" rather than "in"). Every occurrence of every phrase is found
        # whichever word it is filed under; a rare one is looked at less often.
        keyed: dict[str, list[tuple[str, int, Phrase, int]]] = {}
        common = {word for scope in languages.values() for word in scope.markers}
        for scope in languages.values():
            for phrases in (scope.negation, scope.hypothetical, scope.reported):
                common.update(phrase[0] for phrase in phrases if len(phrase) == 1)
        for code, scope in languages.items():
            for word in scope.markers:
                markers.setdefault(word, set()).add(code)
            for kind, phrases in enumerate((scope.negation, scope.hypothetical, scope.reported)):
                for phrase in phrases:
                    offset = max(range(len(phrase)), key=lambda i: (phrase[i] not in common, len(phrase[i]), i))
                    keyed.setdefault(phrase[offset], []).append((code, kind, phrase, offset))
        self.markers = {word: frozenset(codes) for word, codes in markers.items()}
        # The comparisons a report word of each language is read with: its own, and those of the
        # languages its rules read code-switched ("bilkul movie jaisa" in a Hinglish sentence).
        self.comparisons: dict[str, tuple[tuple[Phrase, ...], tuple[Phrase, ...]]] = {}
        for code, scope in languages.items():
            partners = [scope] + [languages[c] for c in sorted(scope.code_switch_with) if c in languages]
            before = tuple(dict.fromkeys(p for s in partners for p in s.comparisons))
            after = tuple(dict.fromkeys(p for s in partners for p in s.comparisons_after))
            if before or after:
                self.comparisons[code] = (before, after)
        self.marker_words = frozenset(self.markers)
        self.cue_words = {word: tuple(entries) for word, entries in keyed.items()}
        # The languages each cue's key word may start a cue of: a text whose words hold none of a
        # language's key words has no cue of that language (one set intersection per text says so).
        self.cue_languages = {word: frozenset(e[0] for e in entries) for word, entries in keyed.items()}
        closing: dict[str, set[str]] = {}
        for code, scope in languages.items():
            for word in scope.negation_after:
                closing.setdefault(word, set()).add(code)
        self.after_languages = {word: frozenset(codes) for word, codes in closing.items()}
        # Letters in both cases (the raw text is not case-folded); each script as a set of its
        # characters, so that a text's distinct characters are tested against it at C speed.
        cased = {code: scope.letters | {c.upper() for c in scope.letters} for code, scope in languages.items()}
        self.letters = tuple(
            (code, re.compile("[" + re.escape("".join(sorted(chars))) + "]")) for code, chars in cased.items() if chars
        )
        self.cased_letters: frozenset[str] = frozenset().union(*cased.values()) if cased else frozenset()
        every = "".join(sorted(self.cased_letters))
        self.any_letter = re.compile("[" + re.escape(every) + "]") if every else None
        # The marker words of each language and of the languages it code-switches with.
        self.own_markers = {
            code: scope.markers.union(*(languages[c].markers for c in scope.code_switch_with if c in languages))
            for code, scope in languages.items()
        }
        # For each two languages, a search for a letter of the first (in either case) that the
        # second does not have ("ñ" is Spanish, not French): ``_others_show_alone``.
        self.letters_beyond: dict[tuple[str, str], Callable[[str], re.Match[str] | None]] = {}
        for code, other in languages.items():
            for language, scope in languages.items():
                own = other.letters - scope.letters
                chars = "".join(sorted(c for c in self.cased_letters if c.lower() in own))
                if chars:
                    self.letters_beyond[(code, language)] = re.compile("[" + re.escape(chars) + "]").search
        self.scripts = tuple(
            (code, re.compile(f"[{low}-{high}]")) for code, low, high in _SCRIPT_RANGES if code in languages
        )


# The scripts that show a language by themselves (Han: the unified ideographs and extension A).
_SCRIPT_RANGES = (("zh", "\u3400", "\u9fff"), ("hi", "\u0900", "\u097f"), ("pa", "\u0a00", "\u0a7f"))
def _any_between(positions: list[int], low: int, high: int) -> bool:
    """True when the sorted ``positions`` hold one in ``[low, high]``."""
    if not positions or high < low:
        return False
    index = bisect_left(positions, low)
    return index < len(positions) and positions[index] <= high


_ANY_SCRIPT = re.compile("[" + "".join(f"{low}-{high}" for _, low, high in _SCRIPT_RANGES) + "]")
_SCRIPT_LANGUAGES = frozenset(code for code, _, _ in _SCRIPT_RANGES)
_NO_CUES: tuple[list[int], list[int], list[int]] = ([], [], [])




def compile_scope(language: str, spec: ScopeSpec, words: Callable[[str], list[str]]) -> LanguageScope:
    """Fold a ``[scope]`` table with ``words`` (the tokenizer the rules use)."""

    def phrases(items: Iterable[str]) -> tuple[Phrase, ...]:
        return tuple(dict.fromkeys(tuple(w) for w in map(words, items) if w))

    def singles(items: Iterable[str]) -> frozenset[str]:
        # One-token entries only: an entry the tokenizer cuts in two (a Chinese word the rules
        # do not list) would otherwise make each of its characters a cue.
        return frozenset(w[0] for w in map(words, items) if len(w) == 1)

    negation, hypothetical, reported = phrases(spec.negation), phrases(spec.hypothetical), phrases(spec.reported)
    letters = frozenset(unicodedata.normalize("NFC", spec.letters.casefold())) - {" "}
    return LanguageScope(
        language=language,
        negation=negation,
        negation_after=singles(spec.negation_after),
        not_negation=phrases(spec.not_negation),
        not_after=singles(spec.not_after),
        bracket=singles(spec.bracket),
        hypothetical=hypothetical,
        then=singles(spec.then),
        speech=singles(spec.speech),
        code_switch_with=frozenset(spec.code_switch_with),
        questions=singles(spec.questions),
        habitual=singles(spec.habitual),
        reported=reported,
        comparisons=phrases(spec.comparisons),
        comparisons_after=phrases(spec.comparisons_after),
        boundaries=singles(spec.boundaries),
        contrasts=singles(spec.contrasts) or singles(spec.boundaries),
        markers=singles(spec.markers),
        letters=letters,
    )


# Short, so the tokenizer spends little on them; no language writes them as a word (and if a
# text did, it would only end a clause there).
SENTENCE_MARK, CLAUSE_MARK = "qzs", "qzc"
MARKS = frozenset({SENTENCE_MARK, CLAUSE_MARK})
# One marker per punctuation character; the raw text is split the same way, character by
# character, when its letters are read.
_MARKERS = tuple((ch, f" {SENTENCE_MARK} ") for ch in _SENTENCE_END) + tuple(
    (ch, f" {CLAUSE_MARK} ") for ch in _CLAUSE_END[len(_SENTENCE_END) :]
)
_SENTENCE_CHAR = re.compile(f"[{re.escape(_SENTENCE_END)}]")
_QUESTION_MARKS = frozenset("?\uff1f")


def mark_punctuation(folded: str) -> str:
    """Folded text with its punctuation replaced by two marker words the tokenizer keeps.

    Punctuation separates tokens anyway, so removing the markers from the tokens gives exactly
    the tokens of the unmarked text; where they stood gives the clauses and sentences.
    """
    # str.replace per character present: far faster than str.translate with a dict.
    for char, marker in _MARKERS:
        if char in folded:
            folded = folded.replace(char, marker)
    return folded


class TextScope:
    """Clauses, sentences and the languages shown, for one text, computed on demand.

    ``marks`` are the positions of the marker words among the tokens of
    ``mark_punctuation(fold_surface(text))``; ``tokens`` are those tokens without the markers
    (the positions rule spans refer to).
    """

    def __init__(
        self,
        text: str,
        marked: Sequence[str],
        marks: Sequence[int],
        tokens: Sequence[str],
        scopes: ScopeTables,
        distinct: set[str] | None = None,
    ) -> None:
        self.text = text
        self._distinct = distinct
        self.tokens = tokens
        self._tables = scopes
        self._scopes = scopes.languages
        # The position (among ``tokens``) where each segment and each sentence after the first starts.
        self._segment_breaks = [index - k for k, index in enumerate(marks)]
        self._sentence_breaks = [index - k for k, index in enumerate(marks) if marked[index] == SENTENCE_MARK]
        self.sentences = len(self._sentence_breaks) + 1
        self._by_sentence: dict[int, frozenset[str]] = {}
        self._raw_sentences: list[str] | None = None
        self._allowed: dict[tuple[str, int, int], bool] = {}
        self._verdicts: dict[str, bool | None] = {}
        self._evidence: frozenset[str] | None = None
        self._reported: dict[str, frozenset[int]] = {}
        self._text_languages: frozenset[str] | None = None
        self._cues: dict[str, tuple[list[int], list[int], list[int]]] | None = None
        self._cue_languages: frozenset[str] | None = None
        self._after_languages: frozenset[str] = frozenset()
        self._questions: frozenset[int] | None = None
        self._characters: str | None = None

    def segment(self, position: int) -> int:
        return bisect_right(self._segment_breaks, position)

    def sentence(self, position: int) -> int:
        return bisect_right(self._sentence_breaks, position)

    def _sentence_bounds(self, sentence: int) -> tuple[int, int]:
        breaks = self._sentence_breaks
        start = breaks[sentence - 1] if sentence > 0 else 0
        end = breaks[sentence] if sentence < len(breaks) else len(self.tokens)
        return start, end

    # ---- languages -------------------------------------------------------------------------
    def _languages_of(self, sentence: int) -> frozenset[str]:
        """The languages sentence number ``sentence`` shows (markers, script, letters)."""
        found = self._by_sentence.get(sentence)
        if found is None:
            start, end = self._sentence_bounds(sentence)
            raw = self._raw_sentence(sentence) if not self.text.isascii() else ""
            # A sentence with marker words is read by them alone (fewer regular expressions per
            # sentence); the whole text adds script and letters whatever its words.
            found = self._by_sentence[sentence] = self._shown(self.tokens[start:end], raw, words_suffice=True)
        return found

    def _shown(self, chunk: Iterable[str], raw: str, words_suffice: bool = False) -> frozenset[str]:
        """The languages some tokens and their raw text show (markers, script, letters); with
        ``words_suffice``, script and letters are only read when no marker word is found."""
        tables = self._tables
        shown: set[str] = set()
        for word in tables.marker_words.intersection(chunk):
            shown.update(tables.markers[word])
        if raw and not raw.isascii():
            if not (words_suffice and shown) and _ANY_SCRIPT.search(raw):
                for code, script in tables.scripts:
                    if script.search(raw):
                        shown.add(code)
            # Composed letters, as phones type them (normalizing every report would cost more
            # than the rest of this module): one search for any of them, then one per language.
            # Read even when marker words were found: "quản lý cầm dao la hét" shows French and
            # Spanish by "la" alone, and its Vietnamese letters must show Vietnamese too.
            if tables.any_letter is not None and tables.any_letter.search(raw):
                for code, letters in tables.letters:
                    if letters.search(raw):
                        shown.add(code)
        return frozenset(shown)

    def _raw_sentence(self, sentence: int) -> str:
        if self._raw_sentences is None:
            # Letters are read on the raw text (folding strips accents). It splits into the same
            # sentences: folding maps every sentence end to one of the same class.
            pieces = _SENTENCE_CHAR.split(self.text)
            self._raw_sentences = pieces if len(pieces) == self.sentences else []
        return self._raw_sentences[sentence] if sentence < len(self._raw_sentences) else ""

    def sentence_languages(self, position: int) -> frozenset[str]:
        """The languages a sentence shows; the text's when it shows none; every one when neither."""
        here = self._languages_of(self.sentence(position))
        if here:
            return here
        return self.text_languages() or frozenset(self._scopes)

    def text_languages(self) -> frozenset[str]:
        """The languages the whole text shows (the union of its sentences')."""
        if self._text_languages is None:
            self._text_languages = self._shown(self._distinct or self.tokens, self._text_characters())
        return self._text_languages

    def _text_characters(self) -> str:
        """What the text's letters and scripts are read on: for Latin-1 text (French, Spanish), its
        distinct characters in no particular order, so that each search that finds nothing scans a few
        dozen characters instead of the whole text; other text as it is (collecting the distinct
        characters of Chinese or Devanagari text costs more than the searches it would save)."""
        if self._characters is None:
            text = self.text
            self._characters = text
            if not text.isascii():
                try:
                    text.encode("latin-1")
                except UnicodeEncodeError:
                    pass
                else:
                    self._characters = "".join(set(text))
        return self._characters

    def verdict(self, language: str) -> bool | None:
        """Whether rules of ``language`` may read every span of this text (True), none (False),
        or it depends on the sentence (None: ask ``allows``)."""
        found = self._verdicts.get(language, 0)
        if found == 0:
            scope = self._scopes.get(language)
            whole = self.text_languages()
            if scope is None or not whole:
                found = True
            elif language not in whole and scope.code_switch_with.isdisjoint(whole):
                found = language in _SCRIPT_LANGUAGES and None  # its own script is read anyway
            elif all(code == language or code in scope.code_switch_with for code in whole):
                found = True  # every sentence shows it, or a language it code-switches with, or none
            elif not self._others_show_alone(language, scope, whole):
                found = True  # the other languages only show by words and letters it shares
            else:
                found = None
            self._verdicts[language] = found
        return found  # type: ignore[return-value]

    def _others_show_alone(self, language: str, scope: LanguageScope, whole: frozenset[str]) -> bool:
        """True when another language shows in the text by a word, letter or script that does not
        also show ``language`` (French "la", "de" show Spanish too; "los" and "ñ" do not)."""
        words = self._evidence
        if words is None:
            words = self._evidence = frozenset(self._tables.marker_words.intersection(self._distinct or self.tokens))
        raw = self._text_characters()
        beyond = self._tables.letters_beyond if self._tables.any_letter is not None and not raw.isascii() else None
        own_words = self._tables.own_markers[language]
        for code in whole:
            if code == language or code in scope.code_switch_with:
                continue
            other = self._scopes[code]
            if code in _SCRIPT_LANGUAGES or not (words & other.markers) <= own_words:
                return True
            # A letter of the other language that ``language`` does not have: one search that
            # stops at the first one (collecting every letter of a long text cost more).
            if beyond is not None:
                search = beyond.get((code, language))
                if search is not None and search(raw):
                    return True
        return False

    def allows(self, language: str, span: tuple[int, int]) -> bool:
        """True when rules of ``language`` may read the span (see the module docstring)."""
        if language in _SCRIPT_LANGUAGES and not self.tokens[span[0]].isascii():
            return True  # a Chinese, Devanagari or Gurmukhi rule word read in its own script
        key = (language, self.sentence(span[0]), self.sentence(span[1]))
        allowed = self._allowed.get(key)
        if allowed is None:
            scope = self._scopes.get(language)
            whole = self.text_languages()
            if scope is None or not whole:
                allowed = True
            elif language not in whole and scope.code_switch_with.isdisjoint(whole):
                allowed = False  # no sentence can show it
            elif all(code == language or code in scope.code_switch_with for code in whole):
                allowed = True  # every sentence shows it, or a language it code-switches with, or none
            else:
                shown = self.sentence_languages(span[0])
                if key[2] != key[1]:
                    shown = shown | self.sentence_languages(span[1])
                allowed = language in shown or not scope.code_switch_with.isdisjoint(shown)
            self._allowed[key] = allowed
        return allowed

    # ---- negation, hypothesis, report --------------------------------------------------------
    def _joined(self, language: str, a: int, b: int) -> bool:
        """True when positions ``a`` <= ``b`` are in one clause of ``language``."""
        if self.segment(a) != self.segment(b):
            return False
        boundaries = self._scopes[language].boundaries
        return not any(self.tokens[p] in boundaries for p in range(a + 1, b + 1))

    def _cue_positions(self, language: str) -> tuple[list[int], list[int], list[int]]:
        """Positions of the last token of each negation, hypothetical and reported cue."""
        if self._cues is None:
            cues: dict[str, tuple[list[int], list[int], list[int]]] = {}
            tokens = self.tokens
            keyed = self._tables.cue_words
            for position in compress(range(len(tokens)), map(keyed.__contains__, tokens)):
                for code, kind, phrase, offset in keyed[tokens[position]]:
                    start = position - offset
                    if len(phrase) == 1 or (start >= 0 and tuple(tokens[start : start + len(phrase)]) == phrase):
                        if kind == 2 and self._compared(code, start, start + len(phrase) - 1):
                            continue  # "it was like a movie": a comparison, not a report
                        if kind == 0 and self._not_negation(code, start):
                            continue  # "il me frappe pas mal": "pas mal" is "a lot", no denial
                        found = cues.get(code)
                        if found is None:
                            found = cues[code] = ([], [], [])
                        found[kind].append(start + len(phrase) - 1)
            for found in cues.values():
                for positions in found:
                    positions.sort()
            self._cues = cues
        return self._cues.get(language, _NO_CUES)

    def _denied_after(self, language: str, start: int, end: int) -> bool:
        """The word right after the match ``start``..``end`` is a ``negation_after`` word of its clause, not
        starting a noun ("pas de visa") nor closing a ``bracket`` word ("ne … pas")."""
        tokens, scope = self.tokens, self._scopes[language]
        cue = end + 1
        if not scope.negation_after or cue >= len(tokens) or tokens[cue] not in scope.negation_after:
            return False
        if cue + 1 < len(tokens) and tokens[cue + 1] in scope.not_after or self._not_negation(language, cue):
            return False
        if any(tokens[p] in scope.bracket for p in range(max(cue - BRACKET_WINDOW, 0), cue)):
            return False  # "tant que je n'ai pas remboursé": "pas" closes "ne" and denies its own verb
        return self._joined(language, start, cue)

    def _not_negation(self, language: str, start: int) -> bool:
        """A phrase of ``not_negation`` ("pas mal") starts at ``start``."""
        tokens = self.tokens
        return any(
            tuple(tokens[start : start + len(phrase)]) == phrase for phrase in self._scopes[language].not_negation
        )

    def _compared(self, language: str, start: int, end: int) -> bool:
        """A comparison word of ``language`` ("like a", "comme dans", 像) ends up to
        ``COMPARISON_BEFORE`` words before the report word at ``start``..``end``, or one
        (``comparisons_after``: "jaisa", 一样) starts up to ``COMPARISON_AFTER`` words after it, in the
        same clause."""
        found = self._tables.comparisons.get(language)
        if found is None:
            return False
        before, after = found
        tokens, segment = self.tokens, self.segment(start)
        for phrase in before:
            size = len(phrase)
            # It may share the report word's first word: "como una" + "una película".
            for last in range(max(start - COMPARISON_BEFORE, size - 1), min(start + size - 1, end)):
                first = last - size + 1
                if first < start and tuple(tokens[first : last + 1]) == phrase and self.segment(first) == segment:
                    return True
        for phrase in after:
            size = len(phrase)
            for first in range(end + 1, min(end + 1 + COMPARISON_AFTER, len(tokens) - size + 1)):
                if tuple(tokens[first : first + size]) == phrase and self.segment(first + size - 1) == segment:
                    return True
        return False

    def weakness(
        self, language: str, span: tuple[int, int], deniable: bool = True, inside: bool = False, asked: bool = False
    ) -> str | None:
        """``negated``, ``hypothetical`` or ``reported`` when the span does not state the act.

        ``deniable`` is False for a pattern that contains a negation itself ("did not pay").
        ``inside``: a negation between the span's first and last word denies it too (compositional
        rules, whose concepts may stand several words apart). ``asked``: the whole rest of a
        conditional question is hypothetical (``_asked``), for rules of no sensitive family.
        """
        if language not in self._scopes:
            return None
        negations, hypotheticals, reports = self._cue_positions(language)
        start, end = span
        before = NEGATION_WINDOW.get(language, DEFAULT_NEGATION_WINDOW) + 1
        last = end + NEGATION_AFTER.get(language, 0) if language in NEGATION_INSIDE else start - 1
        if inside:
            last = max(last, end)
        if deniable and self._denied_after(language, start, end):
            return DENIED  # "il nous frappe pas", "có đánh ai đâu": a negation just after the match
        # Most matches have no cue anywhere near: two bisections and a set lookup say so.
        if not (
            (deniable and _any_between(negations, start - before, last))
            or _any_between(hypotheticals, start - HYPOTHETICAL_WINDOW, start - 1)
            or (reports and self.sentence(start) in self._report_sentences(language, reports))
            or (asked and hypotheticals and self._asked(language, start, hypotheticals))
        ):
            return None
        scope = self._scopes[language]
        tokens, then = self.tokens, scope.then
        for cue in negations if deniable else ():
            if not start - before <= cue <= last:
                continue
            if cue < start:
                if not self._joined(language, cue, start):
                    continue
            elif cue > end:
                if not self._joined(language, end, cue):
                    continue
            elif not (self._joined(language, start, cue) or self._joined(language, cue, end)):
                continue
            if any(tokens[p] in then for p in range(cue + 1, min(max(start, cue + 3), len(tokens)))):
                continue  # "X nahi to Y", "不听话就…": "or else", a threat, not a denial
            if any(cue - 3 <= h < cue for h in hypotheticals):
                continue  # "si no nos gusta…", "if you don't…": the condition is negated, not the act
            return DENIED
        for cue in hypotheticals:
            if cue < start <= cue + HYPOTHETICAL_WINDOW and self._joined(language, cue, start):
                if tokens[cue + 1] in scope.questions:
                    continue  # an indirect question: "kung bakit", "if it's legal"
                if any(tokens[p] in then for p in range(cue + 1, start)):
                    continue  # the consequence of a condition: "if you complain, then…"
                if self._spoken_before(language, cue):
                    continue  # "he says if we complain he sends us home": a threat, stated
                if not asked and self._habitual(language, cue, end):
                    continue  # "is it legal if he locks us in every night?": an act that happens, asked about
                return HYPOTHETICAL
        if asked and hypotheticals and self._asked(language, start, hypotheticals):
            return HYPOTHETICAL
        for cue in reports:
            if self.sentence(cue) == self.sentence(start) and not self._boundary_between(language, cue, start):
                return REPORTED
        return None

    def has_cues(self, language: str) -> bool:
        """True when the text holds a negation, hypothetical or report word of ``language``."""
        if self._cue_languages is None:
            languages, after = self._tables.cue_languages, self._tables.after_languages
            distinct = self._distinct or set(self.tokens)
            self._cue_languages = frozenset().union(*map(languages.__getitem__, languages.keys() & distinct))
            self._after_languages = frozenset().union(*map(after.__getitem__, after.keys() & distinct))
        return language in self._after_languages or (
            language in self._cue_languages and any(self._cue_positions(language))
        )

    def _report_sentences(self, language: str, reports: list[int]) -> frozenset[int]:
        found = self._reported.get(language)
        if found is None:
            found = self._reported[language] = frozenset(map(self.sentence, reports))
        return found

    def _spoken_before(self, language: str, cue: int) -> bool:
        """A speech or threat verb earlier in the cue's sentence ("says", "dice", 说, "kehnda")."""
        start, _ = self._sentence_bounds(self.sentence(cue))
        return not self._scopes[language].speech.isdisjoint(self.tokens[start:cue])

    def _habitual(self, language: str, cue: int, end: int) -> bool:
        """A ``habitual`` word ("every night", "always", *gabi-gabi*, 每天) from the hypothetical word to
        six words after the match, in its sentence: the question describes what happens."""
        window = self.tokens[cue + 1 : end + 7]
        if SENTENCE_MARK in window:
            window = window[: window.index(SENTENCE_MARK)]
        return not self._scopes[language].habitual.isdisjoint(window)

    def _boundary_between(self, language: str, a: int, b: int) -> bool:
        """A contrast word ("but", 但是) between two positions of one sentence."""
        low, high = (a, b) if a < b else (b, a)
        contrasts = self._scopes[language].contrasts
        return any(self.tokens[p] in contrasts for p in range(low + 1, high))

    def _question_sentences(self) -> frozenset[int]:
        """The sentences that end with a question mark (read on the raw text, split like the tokens;
        none when the two splits disagree, the safe side)."""
        if self._questions is None:
            text = self.text
            found: frozenset[int] = frozenset()
            if "?" in text or "\uff1f" in text:
                ends = _SENTENCE_CHAR.findall(text)
                if len(ends) == self.sentences - 1:
                    found = frozenset(i for i, end in enumerate(ends) if end in _QUESTION_MARKS)
            self._questions = found
        return self._questions

    def _asked(self, language: str, start: int, hypotheticals: list[int]) -> bool:
        """True when ``start`` follows a hypothetical word in a sentence that ends with a question
        mark ("if I get hurt at work, does insurance pay or do they send me home?"), or stands in
        the question right after such a one ("如果受伤，保险会赔吗？还是会被送回国？")."""
        sentence = self.sentence(start)
        asked = self._question_sentences()
        if sentence not in asked:
            return False
        first, _ = self._sentence_bounds(sentence)
        previous = sentence - 1
        while previous >= 0 and self._sentence_bounds(previous)[0] == self._sentence_bounds(previous)[1]:
            previous -= 1  # "??" leaves empty sentences
        if previous >= 0 and previous in asked:
            first = self._sentence_bounds(previous)[0]
        questions = self._scopes[language].questions
        tokens = self.tokens
        return any(
            first <= cue < start and tokens[cue + 1] not in questions and not self._spoken_before(language, cue)
            for cue in hypotheticals
        )
