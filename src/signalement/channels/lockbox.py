"""Keyed lookups and encrypted rows for the Twilio channels, with nothing identifying in clear.

* ``phone_index`` finds an SMS conversation by its number: the vault's blind index (HMAC under
  ``SIGNALEMENT_BLIND_INDEX_KEYS``), never the number, never an unkeyed hash of it.
* ``sid_index`` finds a webhook's replay row: MessageSid and CallSid are Twilio's keys to its own
  log, which holds the number, so they are stored keyed-hashed as well.
* ``lock``/``unlock`` encrypt a session's state (AES-256-GCM) under a key derived from the
  blind-index key *and the phone number*: a database thief has neither; someone who also has the
  key still needs the number of the conversation they want to read. A replayed webhook's reply is
  locked the same way under a key derived from the signed request, which holds the sender's number.

This is not the vault's ``seal`` (HPKE to the directorate): the intake host must read these back,
and it must never be able to open a report.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from signalement.settings import KeyList
from signalement.vault.blind import BlindIndexer

NONCE = 12


class LockedValueError(ValueError):
    """An encrypted channel row does not open: another key, another number, or tampered."""


class Lockbox:
    """Indexes and row encryption for one process, under the blind-index key list."""

    def __init__(self, keys: KeyList) -> None:
        self.keys = keys
        self.blind = BlindIndexer(keys)

    def phone_index(self, e164: str) -> str:
        return self.blind.phone(e164)

    def phone_indexes(self, e164: str) -> list[str]:
        """The number's index under every key in the list (sessions begun before a rotation)."""
        return self.blind.all_phone_indexes(e164)

    def sid_index(self, kind: str, sid: str) -> str:
        kid, key = self.keys.current
        mac = hmac.new(key, f"twilio-sid\x00{kind}\x00{sid}".encode(), hashlib.sha256).hexdigest()
        return f"{kid}:{mac}"

    def _key(self, purpose: str, secret_part: str, key_id: str | None = None) -> tuple[str, bytes]:
        kid, key = (key_id, self.keys.get(key_id)) if key_id else self.keys.current
        return kid, hmac.new(key, f"lockbox\x00{purpose}\x00{secret_part}".encode(), hashlib.sha256).digest()

    def lock(self, purpose: str, secret_part: str, row_key: str, plain: bytes) -> bytes:
        """Encrypt ``plain`` for the row ``row_key`` (bound as associated data)."""
        kid, key = self._key(purpose, secret_part)
        nonce = os.urandom(NONCE)
        body = AESGCM(key).encrypt(nonce, plain, f"{purpose}\x00{row_key}".encode())
        return kid.encode() + b"\x00" + nonce + body

    def unlock(self, purpose: str, secret_part: str, row_key: str, blob: bytes) -> bytes:
        kid_bytes, sep, rest = blob.partition(b"\x00")
        if not sep or len(rest) < NONCE + 16:
            raise LockedValueError
        try:
            _, key = self._key(purpose, secret_part, kid_bytes.decode())
            return AESGCM(key).decrypt(rest[:NONCE], rest[NONCE:], f"{purpose}\x00{row_key}".encode())
        except (KeyError, UnicodeDecodeError, InvalidTag):
            raise LockedValueError from None
