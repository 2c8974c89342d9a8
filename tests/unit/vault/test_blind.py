"""Blind indexes: the same employer or phone gives the same index; the index reveals nothing without the key."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalement.settings import KeyList
from signalement.vault.blind import (
    BlindIndexer,
    InvalidPhoneNumberError,
    fold,
    normalize_employer,
    normalize_phone,
    place_key,
    sketch_similarity,
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


def _trigram_jaccard(a: str, b: str) -> float:
    grams = [{f" {n} "[i : i + 3] for i in range(len(n))} for n in (normalize_employer(a), normalize_employer(b))]
    return len(grams[0] & grams[1]) / len(grams[0] | grams[1])


def test_a_spelling_variant_sketches_close_and_another_employer_far_under_any_key() -> None:
    variants = [("Ferme Tremblay", "Fermes Tremblay"), ("Ferme Tremblay", "Ferme Tremblé"),
                ("Serres Lavoie", "Serre Lavoie")]
    others = [("Ferme Tremblay", "Ferme Lavoie"), ("Ferme Tremblay", "Serres Lavoie"),
              ("Ferme Tremblay", "Ferme Gagnon")]
    for seed in range(40):
        idx = BlindIndexer(KeyList(keys=((f"k{seed}", hashlib.sha256(bytes([seed])).digest()),)))
        for a, b in variants:
            assert sketch_similarity(idx.employer_sketch(a), idx.employer_sketch(b)) >= 0.5, (seed, a, b)
        for a, b in others:
            assert sketch_similarity(idx.employer_sketch(a), idx.employer_sketch(b)) <= 0.45, (seed, a, b)


def test_the_sketch_estimates_the_trigram_overlap() -> None:
    pairs = [("Ferme Tremblay", "Fermes Tremblay"), ("Ferme Tremblay", "Ferme Lavoie"),
             ("Ferme Tremblay", "Tremblay Farm")]
    for a, b in pairs:
        estimates = []
        for seed in range(60):
            idx = BlindIndexer(KeyList(keys=(("k", hashlib.sha256(b"s%d" % seed).digest()),)))
            estimates.append(sketch_similarity(idx.employer_sketch(a), idx.employer_sketch(b)) or 0.0)
        assert abs(sum(estimates) / len(estimates) - _trigram_jaccard(a, b)) < 0.05, (a, b)


def test_the_sketch_folds_like_the_index_is_keyed_and_holds_no_name() -> None:
    idx = BlindIndexer(KEYS)
    one = idx.employer_sketch("Ferme Tremblay Inc.")
    assert one is not None and one == idx.employer_sketch("  FERME TREMBLAY ltée")
    assert sketch_similarity(one, idx.employer_sketch("ferme tremblay")) == 1.0
    assert one.startswith("k2:") and "tremblay" not in one.lower()
    other_key = BlindIndexer(KeyList.parse("k9:" + "C" * 43, name="x")).employer_sketch("Ferme Tremblay")
    assert other_key is not None and other_key.split(":")[1] != one.split(":")[1]
    # Sketches under two keys cannot be compared (a rotation): unknown, not "different".
    assert sketch_similarity(one, other_key) is None
    assert sketch_similarity(one, None) is None and idx.employer_sketch(" - ") is None


# Sketches stored by earlier releases must keep comparing with new ones: the output is pinned, byte for byte.
PINNED_SKETCHES = {
    "Les Serres Maraîchères du Québec Inc.": (
        "k1:be10cbcda53743a5ab3c1cdf32758e0f911d413a0c74a3a462f5386092dc8c12a3084828964e0daba0e70bf31b787ebc"
        "3798d963d8ab938c2003bbb79be81c32e9594ef686c3c5200b0b6610ed3fdd9ff3c1355b1a7da63ec220cc59e70e18b88b"
        "8231fe038cb47e8c7f1394df65256a258aae1dea179d8191a5b1a868904053"
    ),
    "Ferme Tremblay": (
        "k1:87860383996137ce1e993bffda8bc3d47f6c14173244e599b192cf570c7197bce75655c0a6341eb00023fba96093e8be"
        "7d29a02f319126ef302acd07a53c14055312917b2fee655994e4aa2f8806956dcc6a1851d3c9be5c72064e99dfe23fc1c7"
        "b05523dc9ab0bcfc58f8b79649804a1199c30f753b8f65a9c944efa40ec467"
    ),
}


def _reference_sketch(key: bytes, name: str) -> str:
    """The sketch as decision record 0016 defines it, written the slow, obvious way."""
    padded = f" {normalize_employer(name)} "
    slots = [0x10000] * 128
    for trigram in {padded[i : i + 3] for i in range(len(padded) - 2)}:
        raw = b"".join(hashlib.blake2b(trigram.encode(), key=key[:64], digest_size=64,
                                       person=b"emp-sketch-%d" % part).digest() for part in range(4))
        slots = [min(s, int.from_bytes(raw[2 * i : 2 * i + 2], "big")) for i, s in enumerate(slots)]
    return bytes(s & 0xFF for s in slots).hex()


def test_the_sketch_is_the_same_bytes_as_every_sketch_already_stored() -> None:
    keys = KeyList.parse("k1:" + "A" * 43, name="x")
    idx = BlindIndexer(keys)
    for name, sketch in PINNED_SKETCHES.items():
        assert idx.employer_sketch(name) == sketch
    for name in ("Ferme Tremblay", "ABC Construction Ltd", "Golden Harvest Greenhouses", "ab", "Ｘ-Ｙ Farms",
                 "Ferme Tremblay Ferme Tremblay", "مزرعة الوادي", "农场"):
        assert idx.employer_sketch(name) == "k1:" + _reference_sketch(keys.current[1], name), name


def _reference_fold(text: str) -> str:
    """``fold`` as the blind indexes were first made (NFKC, case-fold, accents off, punctuation to spaces)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
       | st.text(alphabet="AbcÉéèﬁßİ-'. ,\t\u0301ＡＢ农ਸ", max_size=40))
def test_fold_gives_what_every_stored_index_was_made_with(text: str) -> None:
    assert fold(text) == _reference_fold(text)


def test_the_index_and_sketch_made_together_are_those_made_apart() -> None:
    idx = BlindIndexer(KEYS)
    for name, place in (("Ferme Tremblay Inc.", "J0L 1A0"), ("Fermé Trémblay", "Saint-Rémi"), ("ab", ""),
                        (" - ", "J0L"), ("农场", "")):
        assert idx.employer_fields(name, place) == (idx.employer(name, place), idx.employer_sketch(name))
