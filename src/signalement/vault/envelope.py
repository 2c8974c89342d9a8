"""The sealed-value envelope and what binds it to its place.

Wire format (all integers big-endian)::

    b"SG" | version (1) | suite id (1) | key id length (1) | key id (ASCII) | HPKE enc || ciphertext

HPKE ``info`` is ``signalement/v1 | suite | key id | case id | field``. A
ciphertext copied to another case or field, or relabelled with another key
id, therefore fails to open: an attacker who can write to the database can
delete data but cannot move one worker's words into another worker's case.
"""

from __future__ import annotations

import msgspec

from signalement.vault.suites import SUITE_BY_ID, SUITE_IDS, SuiteName

MAGIC = b"SG"
VERSION = 1
MAX_KEY_ID = 32


class SealedValueError(Exception):
    """A sealed value is malformed, tampered with, misplaced, or sealed to a key we do not hold."""


class Envelope(msgspec.Struct, frozen=True):
    suite: SuiteName
    key_id: str
    payload: bytes

    def to_bytes(self) -> bytes:
        kid = self.key_id.encode("ascii")
        return MAGIC + bytes([VERSION, SUITE_IDS[self.suite], len(kid)]) + kid + self.payload

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise SealedValueError("not a sealed value")
        raw = bytes(raw)
        if len(raw) < 5 or raw[:2] != MAGIC:
            raise SealedValueError("not a sealed value")
        if raw[2] != VERSION:
            raise SealedValueError("unknown envelope version")
        suite = SUITE_BY_ID.get(raw[3])
        if suite is None:
            raise SealedValueError("unknown suite")
        kid_len = raw[4]
        if kid_len == 0 or kid_len > MAX_KEY_ID or len(raw) < 5 + kid_len + 1:
            raise SealedValueError("truncated envelope")
        try:
            kid = raw[5 : 5 + kid_len].decode("ascii")
        except UnicodeDecodeError:
            raise SealedValueError("malformed key id") from None
        return cls(suite=suite, key_id=kid, payload=raw[5 + kid_len :])


def binding_info(suite: SuiteName, key_id: str, case_id: str, field: str) -> bytes:
    """HPKE ``info``: where this value belongs. Separators cannot occur in the parts."""
    for part in (key_id, case_id, field):
        if "|" in part or not part:
            raise ValueError("binding parts must be non-empty and contain no '|'")
    return f"signalement/v{VERSION}|{suite.value}|{key_id}|{case_id}|{field}".encode()


def peek_key_id(raw: bytes) -> str:
    """The key id a sealed value claims, without opening it (used by rotation and status)."""
    return Envelope.from_bytes(raw).key_id
