"""Reading keypad digits from a voice webhook: whatever a signed request carries, a keypad answer or nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from signalement.channels.signature import SignedForm
from signalement.channels.voice import PROVINCE_KEYS, keypad_digits
from signalement.triage import PROVINCES


def _form(digits: str) -> SignedForm:
    return SignedForm({"Digits": [digits]})


def test_pound_star_and_silence_are_no_answer_and_keys_are_kept_in_order() -> None:
    assert keypad_digits(_form("")) == "" and keypad_digits(_form("#")) == "" and keypad_digits(_form("*#")) == ""
    assert keypad_digits(_form("153#")) == "153" and keypad_digits(_form(" 2 ".strip())) == "2"
    assert keypad_digits(SignedForm()) == ""


def test_anything_a_keypad_cannot_send_is_refused() -> None:
    for raw in ("hangup", "1a", "١", "1 2", "+1", "<Say>", "1\x00"):
        assert keypad_digits(_form(raw)) is None, raw


@given(st.text(max_size=40))
def test_any_digits_field_gives_ascii_digits_or_none(raw: str) -> None:
    got = keypad_digits(_form(raw))
    assert got is None or (got == "" or (got.isascii() and got.isdigit()))


def test_every_province_key_is_a_province_or_not_sure() -> None:
    assert set(PROVINCE_KEYS) == set("0123456789")
    assert {p for p in PROVINCE_KEYS.values() if p} <= set(PROVINCES) and PROVINCE_KEYS["0"] is None
