"""Text folding and tokenization shared by the rule files and the report text.

Rule words and report text go through the same ``fold`` so that an analyst can
write a word the way a dictionary spells it and still match the way a worker
types it on a cheap phone:

* Unicode compatibility decomposition (full-width letters, ligatures), then case folding;
* invisible format characters are dropped (zero-width spaces, bidi overrides), so
  they cannot be used to split a word and slip it past the rules;
* Latin accents are stripped, so Vietnamese typed without diacritics, French or
  Spanish without accents, all match; ``đ`` becomes ``d``;
* in Devanagari and Gurmukhi, nukta, nasal marks and addak are dropped and long
  i/u vowels are folded into short ones, the common spelling variations;
* ``n't`` becomes ``nt`` (``didn't`` = ``didnt``, as typed in SMS); other
  apostrophes separate words (French ``l'``, ``m'``);
* runs of a repeated Latin vowel collapse (``maalik`` = ``malik``,
  ``pleeease`` = ``please``; also ``need`` = ``ned``, harmless as rules fold alike).

Chinese has no spaces: runs of Han characters are segmented by forward maximum
matching over the rule lexicon plus the analyst's extra segmentation words, so a
rule word only matches where the segmenter would cut a word (``打`` "hit" does
not match inside ``打工`` "to work" once ``打工`` is listed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_FORMAT_CHARS = re.compile(f"[{_INVISIBLE}]")
_NT = re.compile("n['\u2019\u2018`\u02bc]t\\b")
_CLEAN = re.compile(f"['\u2019\u2018`\u02bc_{_INVISIBLE}]")
# Latin letters with no decomposition, which the accent stripping would otherwise lose.
_UNDECOMPOSABLE = (("\u0111", "d"), ("\u0153", "oe"), ("\u00e6", "ae"), ("\u00f8", "o"), ("\u0142", "l"))
_NOT_LATIN = re.compile("[^\x00-\x7f\u0300-\u036f]")
_LATIN_MARKS = re.compile("[\u0300-\u036f]")
_DOUBLE_VOWELS = (("aa", "a"), ("ee", "e"), ("ii", "i"), ("oo", "o"), ("uu", "u"))
# Folded ASCII text splits on everything but letters and digits: the same words as _TOKEN, much faster.
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_INDIC = re.compile("[\u0900-\u0a7f]")
# Devanagari and Gurmukhi: nukta, candrabindu, anusvara, bindi, tippi and addak are dropped
# (often omitted or misplaced when typing); long i/u vowels and their signs read as short.
_INDIC_DROP = re.compile("[\u093c\u0901\u0902\u0a3c\u0a01\u0a02\u0a70\u0a71]")
_INDIC_SHORTEN = (
    ("\u0940", "\u093f"),
    ("\u0942", "\u0941"),
    ("\u0908", "\u0907"),
    ("\u090a", "\u0909"),
    ("\u0a40", "\u0a3f"),
    ("\u0a42", "\u0a41"),
    ("\u0a08", "\u0a07"),
    ("\u0a0a", "\u0a09"),
)
_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN_CLASS}]+")
_HAN_ONLY = re.compile(f"[{_HAN_CLASS}]+\\Z")
# Devanagari and Gurmukhi blocks, vowel signs included (\w leaves them out); the dandas
# (U+0964, U+0965) are punctuation and end a word.
_INDIC_SIGNS = "\u0900-\u0963\u0966-\u097f\u0a00-\u0a7f"
_TOKEN = re.compile(f"[\\w{_INDIC_SIGNS}]+")
# A Han run, or a run of other word characters.
_HAN_OR_WORD = re.compile(f"[{_HAN_CLASS}]+|(?:[^\\W{_HAN_CLASS}]|[{_INDIC_SIGNS}])+")
_HAN_FIRST = re.compile(f"[{_HAN_CLASS}]")


def fold(text: str) -> str:
    """The matching form of ``text`` (see the module docstring for what is folded)."""
    return collapse_runs(fold_surface(text))


def fold_surface(text: str) -> str:
    """Everything ``fold`` does except collapsing vowel runs: the form matched words are quoted in.

    Collapsing only removes a letter next to an identical letter, so the surface form
    and the folded form always split into the same number of tokens.
    """
    if text.isascii():
        # Fast path for the common case (English, and SMS typed without accents).
        text = text.lower()
        return _NT.sub("nt", text) if "'" in text or "`" in text else text
    # NFKD both maps compatibility forms (full-width letters, ligatures) and splits accents
    # off their letters, in one pass; its quick check makes it cheap on text already in form.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    text = _NT.sub("nt", text)
    text = _CLEAN.sub(_clean, text)
    for letter, plain in _UNDECOMPOSABLE:
        if letter in text:
            text = text.replace(letter, plain)
    if not _NOT_LATIN.search(text):
        # Only ASCII and combining accents left (French, Spanish, Vietnamese): drop the accents at C speed.
        return text.encode("ascii", "ignore").decode("ascii")
    text = _LATIN_MARKS.sub("", text)
    if _INDIC.search(text):
        text = _INDIC_DROP.sub("", text)
        for long, short in _INDIC_SHORTEN:
            if long in text:
                text = text.replace(long, short)
    return text


def _clean(match: re.Match[str]) -> str:
    # Invisible format characters vanish (they could split a word); apostrophes and "_" separate words.
    return "" if _FORMAT_CHARS.match(match.group()) else " "


def collapse_runs(text: str) -> str:
    """Collapse runs of a repeated Latin vowel: ``maalik`` = ``malik``, ``pleeease`` = ``please``."""
    # str.replace is an order of magnitude faster than a back-referencing regex here.
    for double, single in _DOUBLE_VOWELS:
        while double in text:
            text = text.replace(double, single)
    return text


def _split(folded: str) -> list[str]:
    if folded.isascii():
        return folded.translate(_ASCII_SEPARATORS).split()
    return _TOKEN.findall(folded)


def is_han(word: str) -> bool:
    """True when ``word`` is made only of Han (Chinese) characters."""
    return bool(_HAN_ONLY.match(word))


def split_words(folded: str) -> list[str]:
    """The words of already-folded text, each Han run kept whole (rule words are not segmented)."""
    if _HAN_RUN.search(folded):
        folded = _HAN_RUN.sub(r" \g<0> ", folded)
    return _split(folded)


class Segmenter:
    """Forward maximum matching over a fixed lexicon, for text without spaces."""

    def __init__(self, words: Iterable[str]) -> None:
        words = [word for word in words if len(word) > 1]
        lengths: dict[str, set[int]] = {}
        for word in words:
            lengths.setdefault(word[0], set()).add(len(word))
        self._words = frozenset(words)
        # For each first character, the lengths of lexicon words starting with it, longest first.
        self._lengths = {first: tuple(sorted(ls, reverse=True)) for first, ls in lengths.items()}

    def segment(self, run: str) -> list[str]:
        """Cut a run of Han characters into lexicon words and single characters."""
        out: list[str] = []
        append = out.append
        lengths, words = self._lengths, self._words
        i, n = 0, len(run)
        while i < n:
            sizes = lengths.get(run[i])
            if sizes is not None:
                for size in sizes:
                    word = run[i : i + size]
                    if word in words:
                        append(word)
                        i += size
                        break
                else:
                    append(run[i])
                    i += 1
            else:
                append(run[i])
                i += 1
        return out

    def tokens(self, folded: str) -> list[str]:
        """All tokens of folded text that contains Han characters: Han runs segmented, other words kept."""
        out: list[str] = []
        for word in _HAN_OR_WORD.findall(folded):
            if _HAN_FIRST.match(word):
                out.extend(self.segment(word))
            else:
                out.append(word)
        return out


def tokenize(folded: str, segmenter: Segmenter) -> list[str]:
    """The tokens of already-folded text, Han runs segmented into words."""
    if folded.isascii() or not _HAN_RUN.search(folded):
        return _split(folded)
    return segmenter.tokens(folded)
