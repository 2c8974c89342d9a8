"""The channel lockbox from an insider's side: a copied database opens nothing, rows cannot be swapped."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalement.channels.lockbox import Lockbox, LockedValueError
from signalement.settings import KeyList

KEYS = KeyList((("k2", os.urandom(32)), ("k1", os.urandom(32))))
NUMBER, OTHER = "+14165550142", "+14165550143"


def test_a_session_opens_only_with_the_key_and_the_number_it_was_locked_for() -> None:
    box = Lockbox(KEYS)
    index = box.phone_index(NUMBER)
    blob = box.lock("sms-session", NUMBER, index, b"story")
    assert box.unlock("sms-session", NUMBER, index, blob) == b"story"
    with pytest.raises(LockedValueError):  # a database insider guessing another number's key
        box.unlock("sms-session", OTHER, index, blob)
    with pytest.raises(LockedValueError):  # moved onto another number's row
        box.unlock("sms-session", NUMBER, box.phone_index(OTHER), blob)
    with pytest.raises(LockedValueError):  # the same number under another deployment's key
        Lockbox(KeyList((("k2", os.urandom(32)),))).unlock("sms-session", NUMBER, index, blob)
    with pytest.raises(LockedValueError):  # read as a webhook reply instead of a session
        box.unlock("reply", NUMBER, index, blob)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(LockedValueError):
        box.unlock("sms-session", NUMBER, index, tampered)
    assert b"story" not in blob and NUMBER.encode() not in blob


def test_indexes_are_keyed_and_a_rotation_still_finds_old_sessions() -> None:
    old = Lockbox(KeyList((("k1", KEYS.get("k1")),)))
    new = Lockbox(KEYS)
    assert old.phone_index(NUMBER) != Lockbox(KeyList((("k1", os.urandom(32)),))).phone_index(NUMBER)
    assert old.phone_index(NUMBER) in new.phone_indexes(NUMBER)
    blob = old.lock("sms-session", NUMBER, old.phone_index(NUMBER), b"x")
    assert new.unlock("sms-session", NUMBER, old.phone_index(NUMBER), blob) == b"x"
    assert new.sid_index("sms", "SM1") != new.sid_index("status", "SM1")
    assert "SM1" not in new.sid_index("sms", "SM1")


@given(st.binary(max_size=64))
def test_garbage_never_opens_and_never_raises_anything_else(blob: bytes) -> None:
    with pytest.raises(LockedValueError):
        Lockbox(KEYS).unlock("sms-session", NUMBER, "k2:x", blob)
