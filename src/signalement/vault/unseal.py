"""Opening sealed values: the officer tier only.

The directorate master private key arrives from an officer's credential at
sign-in (``vault.wrapping``) or from recovery shares. With it we open an
epoch's private key from the key store, and with that a case's values.
Every failure, whatever its cause, is one ``SealedValueError``: a caller
never gets garbage, and an attacker learns nothing from which check failed.
"""

from __future__ import annotations

import msgspec

from signalement.vault.envelope import Envelope, SealedValueError
from signalement.vault.keystore import KeyStore, KeyStoreError, PublicKey
from signalement.vault.opening import PrivateKeyObject, open_with, private_key_from_bytes
from signalement.vault.seal import seal
from signalement.vault.suites import SuiteName

KEYSTORE_CASE = "keystore"


class MasterKey(msgspec.Struct, frozen=True):
    """The directorate master private key. Lives in memory only while an officer is signed in."""

    key_id: str
    suite: SuiteName
    private: bytes

    def key_object(self) -> PrivateKeyObject:
        return private_key_from_bytes(self.suite, self.private)


def epoch_field(kid: str) -> str:
    return f"epoch-private:{kid}"


class PrivateKeyring:
    """Opens epoch keys on demand with the master key, then opens values with them."""

    def __init__(self, store: KeyStore, master: MasterKey) -> None:
        self.store = store
        self.master = master
        self._epochs: dict[str, tuple[SuiteName, PrivateKeyObject]] = {}
        self._raw: dict[str, bytes] = {}

    def epoch_key(self, kid: str) -> tuple[SuiteName, PrivateKeyObject]:
        cached = self._epochs.get(kid)
        if cached:
            return cached
        try:
            sealed = self.store.sealed_path(kid).read_bytes()
            public = self.store.epoch_public(kid)
        except (OSError, KeyStoreError):
            # Destroyed by retention, or never existed: the data is gone for good.
            raise SealedValueError("the key for this value no longer exists") from None
        raw = open_with(sealed, self.master.key_object(), self.master.suite, self.master.key_id,
                        case_id=KEYSTORE_CASE, field=epoch_field(kid))
        key = (public.suite, private_key_from_bytes(public.suite, raw))
        self._epochs[kid] = key
        self._raw[kid] = raw
        return key

    def epoch_private(self, kid: str) -> bytes:
        """Raw private key material of an epoch (for the re-wrap job, sealed to the worker)."""
        self.epoch_key(kid)
        return self._raw[kid]

    def open(self, raw_envelope: bytes, *, case_id: str, field: str) -> bytes:
        env = Envelope.from_bytes(raw_envelope)
        suite, private = self.epoch_key(env.key_id)
        return open_with(raw_envelope, private, suite, env.key_id, case_id=case_id, field=field)

    def rewrap(self, raw_envelope: bytes, recipient: PublicKey, *, case_id: str, field: str) -> bytes:
        """Open and seal again to ``recipient`` (rotation, retention); same binding."""
        return seal(self.open(raw_envelope, case_id=case_id, field=field), recipient, case_id=case_id, field=field)
