"""Blind indexes: keyed hashes that let us match values we never store.

Five reports naming the same employer should be visible as a cluster, and an
SMS conversation must find its session by phone number, without either the
name or the number being in the database. We store
``<key id>:<HMAC-SHA256(key, normalized value)>``. Without the key (held
outside the database) a stolen index cannot be reversed by guessing common
names or by enumerating every Canadian phone number, which is what an
unkeyed hash would allow.

Two reports can name one employer spelled two ways ("Ferme Tremblay",
"Fermes Tremblay"), which the exact index cannot see. The employer *sketch*
is a keyed MinHash of the folded name's character trigrams: 128 slots, each
the low byte of the smallest keyed-BLAKE2b value over the trigrams (b-bit
MinHash; the key is the blind-index key). The share of equal slots
estimates how much two names overlap (Jaccard), so the officer tier can tell
a spelling variant from another employer without either name in clear.
Without the key, a slot's value cannot be tied to any trigram; what the
stored sketches do reveal is that two names look alike (the index already
reveals that two are equal). Decision record 0016.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
import unicodedata
from hashlib import blake2b

import phonenumbers

from signalement.settings import KeyList

# Words that differ between two mentions of the same employer.
_LEGAL_SUFFIXES = {
    "inc", "incorporated", "ltd", "ltee", "limited", "llc", "corp", "corporation", "co", "company",
    "cie", "enr", "senc", "sa", "sarl", "the", "le", "la", "les",
}
_POSTAL = re.compile(r"\b([abceghjklmnprstvxy]\d[abceghjk-nprstv-z])\s*\d[abceghjk-nprstv-z]\d\b", re.I)
_FSA_ONLY = re.compile(r"^\s*([abceghjklmnprstvxy]\d[abceghjk-nprstv-z])\s*$", re.I)


SKETCH_SLOTS = 128  # one byte each: the estimate's standard error is about 0.045 at 0.5


class InvalidPhoneNumberError(ValueError):
    """The text is not a phone number we can reach."""


_NOT_WORD = re.compile(r"[^\w\s]")


def fold(text: str) -> str:
    """NFKC, case-fold, strip accents and punctuation, collapse spaces."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    if not text.isascii():  # no combining mark is ASCII: most names skip the pass over every character
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text).split())


def normalize_employer(name: str) -> str:
    words = [w for w in fold(name).split() if w not in _LEGAL_SUFFIXES]
    return " ".join(words)


def place_key(place: str) -> str:
    """The postal prefix (FSA) if one is given, else the folded town name."""
    match = _POSTAL.search(place) or _FSA_ONLY.match(place)
    if match:
        return match.group(1).upper()
    return fold(place)


def normalize_phone(number: str, region: str = "CA") -> str:
    """E.164, or ``InvalidPhoneNumberError``."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumberError from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumberError
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class BlindIndexer:
    def __init__(self, keys: KeyList) -> None:
        self.keys = keys
        self._sketch_states: dict[str, tuple[blake2b, ...]] = {}

    def _index(self, purpose: str, value: str, key_id: str | None = None) -> str:
        kid, key = (key_id, self.keys.get(key_id)) if key_id else self.keys.current
        mac = hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kid}:{mac}"

    def employer(self, name: str, place: str = "") -> str | None:
        """Index for clustering; ``None`` when no usable name was given."""
        return self.employer_fields(name, place)[0]

    def employer_fields(self, name: str, place: str = "") -> tuple[str | None, str | None]:
        """What intake stores for a report's employer: ``employer(name, place)`` and ``employer_sketch(name)``,
        the name folded once for both."""
        norm = normalize_employer(name)
        if len(norm) < 2:
            return None, None
        return self._index("employer", f"{norm}\x00{place_key(place)}"), self._sketch(norm)

    def all_employer_indexes(self, name: str, place: str = "") -> list[str]:
        """What intake would have stored for this name and place under every key in the list (a search must
        also find reports filed before a rotation); empty when no usable name was given."""
        norm = normalize_employer(name)
        if len(norm) < 2:
            return []
        return [self._index("employer", f"{norm}\x00{place_key(place)}", kid) for kid, _ in self.keys.keys]

    def employer_sketch(self, name: str) -> str | None:
        """``<key id>:<128 one-byte slots as hex>``: a keyed b-bit MinHash of the folded name (not the place);
        ``None`` when no usable name was given."""
        norm = normalize_employer(name)
        return self._sketch(norm) if len(norm) >= 2 else None

    def _sketch(self, norm: str) -> str:
        kid, key = self.keys.current
        keyed = self._sketch_states.get(kid)
        if keyed is None:
            keyed = self._sketch_states[kid] = _sketch_states(key)
        k0, k1, k2, k3 = keyed  # SKETCH_SLOTS // 32 parts, written out: four calls a trigram fewer than a loop
        padded = f" {norm} "
        raw = padded.encode()
        if len(raw) == len(padded):  # ASCII: a character trigram is a byte trigram
            trigrams = {raw[i : i + 3] for i in range(len(raw) - 2)}
        else:
            trigrams = {padded[i : i + 3].encode() for i in range(len(padded) - 2)}
        per_trigram = []
        for data in trigrams:
            # Each part already keyed: ``copy()`` does not hash the key block again for each trigram.
            h0, h1, h2, h3 = k0.copy(), k1.copy(), k2.copy(), k3.copy()
            h0.update(data)
            h1.update(data)
            h2.update(data)
            h3.update(data)
            per_trigram.append(_SKETCH_WORDS.unpack(h0.digest() + h1.digest() + h2.digest() + h3.digest()))
        # Each slot keeps the low byte of its minimum (b-bit MinHash): half the size, the same accuracy per byte.
        # Big-endian words: the low bytes are the odd ones.
        return f"{kid}:" + _SKETCH_WORDS.pack(*map(min, *per_trigram))[1::2].hex()

    def phone(self, e164: str) -> str:
        return self._index("phone", e164)

    def all_phone_indexes(self, e164: str) -> list[str]:
        """The index under every key in the list, to find sessions made before a rotation."""
        return [self._index("phone", e164, kid) for kid, _ in self.keys.keys]


_SKETCH_WORDS = struct.Struct(f">{SKETCH_SLOTS}H")


def _sketch_states(key: bytes) -> tuple[blake2b, ...]:
    """One keyed BLAKE2b state per 32 slots (64 bytes); ``person`` separates the parts. Each trigram's
    64 bytes of a part are ``copy()`` of it, updated with the trigram: the same bytes as hashing it anew."""
    return tuple(blake2b(key=key[:64], digest_size=64, person=b"emp-sketch-%d" % part)
                 for part in range(SKETCH_SLOTS // 32))


def sketch_similarity(a: str | None, b: str | None) -> float | None:
    """How alike two employer names are, 0 to 1 (an estimate of their trigram Jaccard); ``None`` when either
    is missing or they were made under different keys (a rotation: they cannot be compared)."""
    if not a or not b:
        return None
    kid_a, _, slots_a = a.partition(":")
    kid_b, _, slots_b = b.partition(":")
    if kid_a != kid_b or len(slots_a) != len(slots_b) or len(slots_a) != SKETCH_SLOTS * 2:
        return None
    same = sum(slots_a[i : i + 2] == slots_b[i : i + 2] for i in range(0, len(slots_a), 2)) / SKETCH_SLOTS
    # Two different minima share a low byte one time in 256: take that chance out of the estimate.
    return max(0.0, (same - 1 / 256) / (1 - 1 / 256))
