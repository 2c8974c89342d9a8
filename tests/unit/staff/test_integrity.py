"""The staff layer's MACs, session sealing and session-bound CSRF tokens (``staff.integrity``)."""

from __future__ import annotations

import os

from signalement.settings import KeyList
from signalement.staff import integrity

K1 = KeyList((("s1", b"a" * 32),))
K2 = KeyList((("s2", b"b" * 32), ("s1", b"a" * 32)))
ROW = {"officer_id": 7, "username": "amelie", "role": "officer", "region": "quebec",
       "kdf": {"alg": "argon2id", "m": 64, "t": 1, "p": 1, "salt": "AAAA"}, "blob": b"\x01" * 40,
       "holds_master_key": True}


def test_a_credential_mac_verifies_and_any_changed_field_breaks_it() -> None:
    mac = integrity.credential_mac(K1, **ROW)
    assert integrity.credential_mac_ok(K1, mac, **ROW)
    for field, other in [("officer_id", 8), ("username", "mallory"), ("role", "admin"), ("region", "ontario"),
                         ("kdf", {**ROW["kdf"], "m": 32}), ("blob", b"\x02" * 40), ("holds_master_key", False)]:
        assert not integrity.credential_mac_ok(K1, mac, **{**ROW, field: other}), field
    assert not integrity.credential_mac_ok(K1, None, **ROW)
    assert not integrity.credential_mac_ok(K1, "s9:" + mac.split(":")[1], **ROW)


def test_an_older_staff_key_still_verifies_after_rotation_and_is_flagged_for_restamping() -> None:
    mac = integrity.credential_mac(K1, **ROW)
    assert integrity.credential_mac_ok(K2, mac, **ROW)
    assert integrity.needs_restamp(K2, mac) and not integrity.needs_restamp(K1, mac)


def test_a_session_opens_only_under_its_own_id_and_with_the_staff_key() -> None:
    sid = os.urandom(32).hex()
    blob = integrity.seal_session(K1, sid, b'{"state":"x"}')
    assert integrity.open_session(K1, sid, blob) == b'{"state":"x"}'
    assert integrity.open_session(K1, os.urandom(32).hex(), blob) is None
    assert integrity.open_session(KeyList((("s1", b"c" * 32),)), sid, blob) is None
    assert integrity.open_session(K1, sid, b'{"state":"x"}') is None
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    assert integrity.open_session(K1, sid, tampered) is None


def test_the_store_key_reveals_nothing_of_the_session_id() -> None:
    sid = "ab" * 32
    key = integrity.session_store_key(K1, sid)
    assert sid not in key and len(key) == 64 and key != integrity.session_store_key(K2, sid)


def test_a_csrf_token_is_bound_to_one_session() -> None:
    sid, other = "ab" * 32, "cd" * 32
    token = integrity.csrf_token_for_session(K1, sid, "app-secret")
    assert integrity.csrf_bound(K1, sid, token)
    assert not integrity.csrf_bound(K1, other, token)  # a token issued to another session
    assert not integrity.csrf_bound(K1, sid, integrity.csrf_token_for_session(K1, other, "app-secret"))
    assert not integrity.csrf_bound(K1, sid, None)
