"""Sealed values open only where they were sealed, with the key they were sealed to."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signalement.vault.envelope import Envelope, SealedValueError, peek_key_id
from signalement.vault.seal import seal
from signalement.vault.unseal import MasterKey, PrivateKeyring

ids = st.text(alphabet="abcdef0123456789", min_size=1, max_size=32)
fields = st.sampled_from(["narrative", "answers", "phone", "employer", "message:abc", "note:1"])
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(plaintext=st.binary(max_size=4096), case_id=ids, field=fields)
def test_a_sealed_value_opens_to_exactly_what_was_sealed(keys, plaintext: bytes, case_id: str, field: str) -> None:
    env = seal(plaintext, keys.epoch, case_id=case_id, field=field)
    assert len(plaintext) < 12 or plaintext not in env  # shorter strings can occur by chance
    assert PrivateKeyring(keys.store, keys.master).open(env, case_id=case_id, field=field) == plaintext


@SETTINGS
@given(plaintext=st.binary(min_size=1, max_size=256), a=ids, b=ids)
def test_a_value_swapped_to_another_case_does_not_open(keys, plaintext: bytes, a: str, b: str) -> None:
    if a == b:
        return
    env = seal(plaintext, keys.epoch, case_id=a, field="narrative")
    with pytest.raises(SealedValueError):
        PrivateKeyring(keys.store, keys.master).open(env, case_id=b, field="narrative")


@SETTINGS
@given(plaintext=st.binary(min_size=1, max_size=256), f1=fields, f2=fields)
def test_a_value_swapped_to_another_field_does_not_open(keys, plaintext: bytes, f1: str, f2: str) -> None:
    if f1 == f2:
        return
    env = seal(plaintext, keys.epoch, case_id="case1", field=f1)
    with pytest.raises(SealedValueError):
        PrivateKeyring(keys.store, keys.master).open(env, case_id="case1", field=f2)


@SETTINGS
@given(plaintext=st.binary(max_size=512), data=st.data())
def test_a_truncated_value_does_not_open(keys, plaintext: bytes, data: st.DataObject) -> None:
    env = seal(plaintext, keys.epoch, case_id="c", field="narrative")
    cut = data.draw(st.integers(min_value=0, max_value=len(env) - 1))
    with pytest.raises(SealedValueError):
        PrivateKeyring(keys.store, keys.master).open(env[:cut], case_id="c", field="narrative")


@SETTINGS
@given(plaintext=st.binary(max_size=512), data=st.data())
def test_any_flipped_bit_is_detected(keys, plaintext: bytes, data: st.DataObject) -> None:
    env = bytearray(seal(plaintext, keys.epoch, case_id="c", field="narrative"))
    pos = data.draw(st.integers(min_value=0, max_value=len(env) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    env[pos] ^= 1 << bit
    with pytest.raises(SealedValueError):
        PrivateKeyring(keys.store, keys.master).open(bytes(env), case_id="c", field="narrative")


def test_a_value_relabelled_with_another_key_id_does_not_open(keys) -> None:
    env = Envelope.from_bytes(seal(b"story", keys.epoch, case_id="c", field="narrative"))
    relabelled = Envelope(suite=env.suite, key_id=keys.other.key_id, payload=env.payload).to_bytes()
    with pytest.raises(SealedValueError):
        PrivateKeyring(keys.store, keys.master).open(relabelled, case_id="c", field="narrative")


def test_a_value_does_not_open_with_the_wrong_master_key(keys) -> None:
    env = seal(b"story", keys.epoch, case_id="c", field="narrative")
    wrong = MasterKey(key_id=keys.master.key_id, suite=keys.master.suite, private=bytes(len(keys.master.private)))
    with pytest.raises(SealedValueError):
        PrivateKeyring(keys.store, wrong).open(env, case_id="c", field="narrative")


def test_a_value_sealed_to_one_epoch_does_not_open_with_another_epochs_key(keys) -> None:
    from signalement.vault.opening import open_with

    env = seal(b"story", keys.epoch, case_id="c", field="narrative")
    ring = PrivateKeyring(keys.store, keys.master)
    suite, other_private = ring.epoch_key(keys.other.key_id)
    with pytest.raises(SealedValueError):
        open_with(env, other_private, suite, keys.epoch.key_id, case_id="c", field="narrative")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(max_size=2048))
def test_garbage_is_refused_with_the_one_domain_error(keys, garbage: bytes) -> None:
    with pytest.raises(SealedValueError):
        PrivateKeyring(keys.store, keys.master).open(garbage, case_id="c", field="narrative")


def test_every_envelope_names_its_format_suite_and_key(keys) -> None:
    raw = seal(b"x", keys.epoch, case_id="c", field="f")
    env = Envelope.from_bytes(raw)
    assert raw[:3] == b"SG\x01"
    assert env.suite is keys.epoch.suite
    assert peek_key_id(raw) == keys.epoch.key_id


def test_a_destroyed_epoch_key_makes_its_values_unopenable(tmp_path, keys) -> None:
    import shutil

    from signalement.vault import epochs
    from signalement.vault.keystore import KeyStore

    root = tmp_path / "copy"
    shutil.copytree(keys.store.root, root)
    store = KeyStore(root)
    env = seal(b"story", store.epoch_public(keys.other.key_id), case_id="c", field="narrative")
    assert PrivateKeyring(store, keys.master).open(env, case_id="c", field="narrative") == b"story"
    assert epochs.destroy_epoch(store, keys.other.key_id)
    with pytest.raises(SealedValueError):
        PrivateKeyring(store, keys.master).open(env, case_id="c", field="narrative")
