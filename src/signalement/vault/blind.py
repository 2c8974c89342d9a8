"""Blind indexes: keyed hashes that let us match values we never store.

Five reports naming the same employer should be visible as a cluster, and an
SMS conversation must find its session by phone number, without either the
name or the number being in the database. We store
``<key id>:<HMAC-SHA256(key, normalized value)>``. Without the key (held
outside the database) a stolen index cannot be reversed by guessing common
names or by enumerating every Canadian phone number, which is what an
unkeyed hash would allow.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import phonenumbers

from signalement.settings import KeyList

# Words that differ between two mentions of the same employer.
_LEGAL_SUFFIXES = {
    "inc", "incorporated", "ltd", "ltee", "limited", "llc", "corp", "corporation", "co", "company",
    "cie", "enr", "senc", "sa", "sarl", "the", "le", "la", "les",
}
_POSTAL = re.compile(r"\b([abceghjklmnprstvxy]\d[abceghjk-nprstv-z])\s*\d[abceghjk-nprstv-z]\d\b", re.I)
_FSA_ONLY = re.compile(r"^\s*([abceghjklmnprstvxy]\d[abceghjk-nprstv-z])\s*$", re.I)


class InvalidPhoneNumberError(ValueError):
    """The text is not a phone number we can reach."""


def fold(text: str) -> str:
    """NFKC, case-fold, strip accents and punctuation, collapse spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


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

    def _index(self, purpose: str, value: str, key_id: str | None = None) -> str:
        kid, key = (key_id, self.keys.get(key_id)) if key_id else self.keys.current
        mac = hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kid}:{mac}"

    def employer(self, name: str, place: str = "") -> str | None:
        """Index for clustering; ``None`` when no usable name was given."""
        norm = normalize_employer(name)
        if len(norm) < 2:
            return None
        return self._index("employer", f"{norm}\x00{place_key(place)}")

    def all_employer_indexes(self, name: str, place: str = "") -> list[str]:
        """What intake would have stored for this name and place under every key in the list (a search must
        also find reports filed before a rotation); empty when no usable name was given."""
        norm = normalize_employer(name)
        if len(norm) < 2:
            return []
        return [self._index("employer", f"{norm}\x00{place_key(place)}", kid) for kid, _ in self.keys.keys]

    def phone(self, e164: str) -> str:
        return self._index("phone", e164)

    def all_phone_indexes(self, e164: str) -> list[str]:
        """The index under every key in the list, to find sessions made before a rotation."""
        return [self._index("phone", e164, kid) for kid, _ in self.keys.keys]
