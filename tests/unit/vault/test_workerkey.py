"""The worker key file: sealed under the worker secret, never in clear; the old clear format is re-sealed."""

from __future__ import annotations

import pytest

from signalement.settings import KeyList
from signalement.vault import epochs
from signalement.vault.keystore import KeyStore
from signalement.vault.suites import SuiteName
from signalement.vault.workerkey import WorkerKeyError, is_legacy_clear, open_worker_private, reseal_legacy

SECRETS = KeyList((("w1", b"w" * 32),))


def test_the_worker_key_file_holds_no_clear_key_and_opens_only_with_the_secret(tmp_path) -> None:
    store = KeyStore(tmp_path)
    public = epochs.create_worker_key(store, SuiteName.X25519, SECRETS)
    raw = store.worker_private_path.read_bytes()
    assert not is_legacy_clear(store) and b"x25519\n" not in raw
    suite, private = open_worker_private(store, SECRETS)
    assert suite is SuiteName.X25519
    assert private.public_key().public_bytes_raw() == public.public
    with pytest.raises(WorkerKeyError):
        open_worker_private(store, KeyList((("w1", b"v" * 32),)))
    with pytest.raises(WorkerKeyError):
        open_worker_private(store, KeyList((("w2", b"w" * 32),)))


def test_a_clear_worker_key_from_the_first_release_is_refused_until_sealed(tmp_path) -> None:
    store = KeyStore(tmp_path)
    public = epochs.create_worker_key(store, SuiteName.X25519, SECRETS)
    _, private = open_worker_private(store, SECRETS)
    from cryptography.hazmat.primitives import serialization

    clear = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                  serialization.NoEncryption())
    store.worker_private_path.write_text(f"x25519\n{clear.hex()}")
    with pytest.raises(WorkerKeyError):
        open_worker_private(store, SECRETS)
    assert reseal_legacy(store, SECRETS) and not reseal_legacy(store, SECRETS)
    assert clear.hex().encode() not in store.worker_private_path.read_bytes()
    assert open_worker_private(store, SECRETS)[1].public_key().public_bytes_raw() == public.public
