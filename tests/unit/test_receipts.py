"""Receipts: codes a worker can type on a keypad and hear read aloud, with secrets we can't be tricked by."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from signalement import receipts
from signalement.settings import KeyList
from signalement.vault.suites import SuiteName

PEPPERS = KeyList.parse("p2:" + "P" * 43 + ",p1:" + "Q" * 43, name="pepper_keys")


def test_secrets_carry_at_least_40_bits_of_entropy_and_are_digits_in_groups() -> None:
    assert receipts.SECRET_RANDOM_DIGITS * math.log2(10) >= 40
    s = receipts.new_secret()
    assert s.isdigit() and len(s) == receipts.SECRET_RANDOM_DIGITS + 1
    assert receipts.format_secret(s).replace(" ", "") == s
    assert all(len(g) == 4 for g in receipts.format_secret(s).split())


def test_codes_and_secrets_are_not_predictable_from_one_another() -> None:
    assert len({receipts.new_secret() for _ in range(2000)}) == 2000
    assert len({receipts.new_case_code() for _ in range(2000)}) >= 1999


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=15, max_size=15), st.data())
def test_the_check_digit_catches_any_single_mistyped_digit(body: str, data: st.DataObject) -> None:
    s = body + receipts.damm_digit(body)
    i = data.draw(st.integers(min_value=0, max_value=15))
    d = data.draw(st.sampled_from([c for c in "0123456789" if c != s[i]]))
    assert receipts.parse_secret(s[:i] + d + s[i + 1:]) is None
    assert receipts.parse_secret(s) == s


def test_the_check_digit_catches_swapped_neighbours() -> None:
    rng = random.Random(7)
    for _ in range(500):
        s = receipts.new_secret()
        i = rng.randrange(15)
        if s[i] != s[i + 1]:
            assert receipts.parse_secret(s[:i] + s[i + 1] + s[i] + s[i + 2:]) is None


def test_codes_typed_with_spaces_dashes_or_local_digits_are_understood() -> None:
    code = receipts.new_case_code()
    assert receipts.parse_code(receipts.format_code(code)) == code
    devanagari = "".join(chr(0x0966 + int(c)) for c in code)
    gurmukhi = "".join(chr(0x0A66 + int(c)) for c in code)
    assert receipts.parse_code(devanagari) == receipts.parse_code(gurmukhi) == code


def test_the_right_secret_opens_the_follow_up_key_and_a_wrong_one_does_not() -> None:
    secret = receipts.new_secret()
    m = receipts.make_receipt_material(secret, PEPPERS, SuiteName.X25519)
    key = receipts.check_secret(secret, m.kdf, m.verifier, PEPPERS)
    assert key is not None
    from signalement.vault.followup import followup_public

    assert followup_public(SuiteName.X25519, key) == m.followup_public
    assert receipts.check_secret(receipts.new_secret(), m.kdf, m.verifier, PEPPERS) is None


def test_the_verifier_needs_the_pepper_held_outside_the_database() -> None:
    secret = receipts.new_secret()
    m = receipts.make_receipt_material(secret, PEPPERS, SuiteName.X25519)
    other = KeyList.parse("p2:" + "Z" * 43, name="pepper_keys")
    assert receipts.check_secret(secret, m.kdf, m.verifier, other) is None
    assert m.kdf["pepper"] == "p2" and m.kdf["alg"] == "argon2id"


def test_an_older_pepper_still_verifies_after_the_pepper_rotates() -> None:
    secret = receipts.new_secret()
    m = receipts.make_receipt_material(secret, PEPPERS, SuiteName.X25519)
    rotated = KeyList.parse("p3:" + "R" * 43 + ",p2:" + "P" * 43, name="pepper_keys")
    assert receipts.check_secret(secret, m.kdf, m.verifier, rotated) is not None
