"""The reporter's follow-up key: derived from their receipt secret, never stored.

Officers seal replies to its public half (kept on the case). Only someone who
types the secret again can derive the private half and read them. This is
the one decryption the reporter tier performs, and it can only open values
sealed to that one reporter.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from signalement.vault.envelope import Envelope, SealedValueError
from signalement.vault.opening import open_with, private_key_from_bytes
from signalement.vault.suites import PRIVATE_LEN, SuiteName, public_bytes_for


def derive_followup_private(suite: SuiteName, master_secret: bytes) -> bytes:
    """Expand the receipt's Argon2id output into private key material for ``suite``."""
    return HKDF(hashes.SHA256(), PRIVATE_LEN[suite], salt=None, info=b"signalement/followup-key/v1").derive(
        master_secret
    )


def followup_public(suite: SuiteName, private_raw: bytes) -> bytes:
    return public_bytes_for(suite, private_raw)


def open_for_reporter(raw_envelope: bytes, suite: SuiteName, private_raw: bytes, *, case_id: str, field: str) -> bytes:
    """Open a value sealed to this reporter's follow-up key."""
    env = Envelope.from_bytes(raw_envelope)
    try:
        private = private_key_from_bytes(suite, private_raw)
    except ValueError:
        raise SealedValueError("bad follow-up key") from None
    return open_with(raw_envelope, private, suite, env.key_id, case_id=case_id, field=field)
