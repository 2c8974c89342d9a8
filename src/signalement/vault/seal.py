"""Sealing: what the intake tier may do. Public keys in, ciphertext out.

Nothing in this module, or anything it imports, can open a sealed value.
``tests/unit/vault/test_tiers.py`` checks that the intake code path never
imports ``vault.unseal`` and never opens a private key file.
"""

from __future__ import annotations

import time
from functools import cached_property

from signalement.vault.envelope import Envelope, SealedValueError, binding_info
from signalement.vault.keystore import KeyStore, PublicKey
from signalement.vault.suites import hpke_suite

__all__ = ["PublicKeyring", "SealedValueError", "seal"]

_decoded: dict[tuple[str, bytes], object] = {}


def _key_object(recipient: PublicKey) -> object:
    cache_key = (recipient.key_id, recipient.public)
    obj = _decoded.get(cache_key)
    if obj is None:
        obj = recipient.key_object()
        if len(_decoded) > 256:
            _decoded.clear()
        _decoded[cache_key] = obj
    return obj


def seal(plaintext: bytes, recipient: PublicKey, *, case_id: str, field: str) -> bytes:
    """Seal ``plaintext`` to ``recipient``, bound to ``case_id`` and ``field``."""
    info = binding_info(recipient.suite, recipient.key_id, case_id, field)
    payload = hpke_suite(recipient.suite).encrypt(plaintext, _key_object(recipient), info=info)  # type: ignore[arg-type]
    return Envelope(suite=recipient.suite, key_id=recipient.key_id, payload=payload).to_bytes()


class PublicKeyring:
    """The public keys the intake tier holds: the current directorate epoch and the worker.

    The current epoch is re-read from the key store at most every ``refresh_seconds``, so a
    ``keys rotate`` reaches every running replica within that time without a restart.
    """

    def __init__(self, store: KeyStore, refresh_seconds: float = 30.0) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._current: PublicKey | None = None
        self._checked = 0.0

    @property
    def current(self) -> PublicKey:
        now = time.monotonic()
        if self._current is None or now - self._checked > self.refresh_seconds:
            kid = self.store.current_kid()
            if self._current is None or self._current.key_id != kid:
                self._current = self.store.epoch_public(kid)
            self._checked = now
        return self._current

    @cached_property
    def worker(self) -> PublicKey:
        return self.store.worker_public()

    @cached_property
    def master(self) -> PublicKey:
        return self.store.master_public()

    def seal(self, plaintext: bytes, *, case_id: str, field: str) -> bytes:
        """Seal to the current directorate epoch."""
        return seal(plaintext, self.current, case_id=case_id, field=field)

    def refresh(self) -> None:
        """Forget cached keys now (after ``keys rotate`` in this process, or a readiness check)."""
        self._current = None
        for name in ("worker", "master"):
            self.__dict__.pop(name, None)
