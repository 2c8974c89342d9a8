"""Blind indexes: the same employer or phone gives the same index; the index reveals nothing without the key."""

from __future__ import annotations

import hashlib

import pytest

from signalement.settings import KeyList
from signalement.vault.blind import (
    BlindIndexer,
    InvalidPhoneNumberError,
    normalize_employer,
    normalize_phone,
    place_key,
)

KEYS = KeyList.parse("k2:" + "A" * 43 + ",k1:" + "B" * 43, name="blind_index_keys")


@pytest.mark.parametrize("a,b", [
    ("Ferme Tremblay Inc.", "ferme   TREMBLAY"),
    ("Fermé Trémblay Ltée", "ferme tremblay"),
    ("ＡＢＣ Farms Ltd", "abc farms"),
    ("O'Brien Greenhouses, Inc", "o brien greenhouses"),
])
def test_spellings_of_one_employer_normalize_together(a: str, b: str) -> None:
    assert normalize_employer(a) == normalize_employer(b)


def test_a_postal_code_reduces_to_its_forward_sortation_area() -> None:
    assert place_key("123 Rang 4, J0L 1A0") == place_key("j0l") == "J0L"
    assert place_key("Saint-Rémi") == place_key("saint remi")


def test_the_same_employer_and_place_give_the_same_index_and_other_places_do_not() -> None:
    idx = BlindIndexer(KEYS)
    assert idx.employer("Ferme Tremblay", "J0L 1A0") == idx.employer("FERME TREMBLAY INC", "j0l1a0")
    assert idx.employer("Ferme Tremblay", "J0L 1A0") != idx.employer("Ferme Tremblay", "K1A 0B1")
    assert idx.employer("", "J0L") is None


def test_the_index_is_keyed_so_guessing_a_name_does_not_reveal_it() -> None:
    a = BlindIndexer(KEYS).employer("Ferme Tremblay", "J0L")
    b = BlindIndexer(KeyList.parse("k9:" + "C" * 43, name="x")).employer("Ferme Tremblay", "J0L")
    assert a is not None and b is not None and a.split(":")[1] != b.split(":")[1]
    plain = hashlib.sha256(b"ferme tremblay\x00J0L").hexdigest()
    assert plain not in a
    assert a.startswith("k2:")  # the key id travels with the index, for rotation


def test_phone_numbers_normalize_to_e164_before_indexing() -> None:
    assert normalize_phone("(514) 555-0123") == normalize_phone("+1 514 555 0123") == "+15145550123"
    idx = BlindIndexer(KEYS)
    assert idx.phone("+15145550123") in idx.all_phone_indexes("+15145550123")
    with pytest.raises(InvalidPhoneNumberError):
        normalize_phone("12")
