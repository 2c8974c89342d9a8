"""Opening one envelope with one private key you already hold.

This is the primitive; it has no access to any stored key. Which keys a tier
can *get* is what separates the tiers: the officer tier gets directorate
epoch keys through ``vault.unseal``; the reporter tier only ever derives the
reporter's own follow-up key (``vault.followup``).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from signalement.vault.envelope import Envelope, SealedValueError, binding_info
from signalement.vault.suites import MLKEM_SEED_LEN, PRIVATE_LEN, SuiteName, hpke_suite

PrivateKeyObject = hpke.MLKEM768X25519PrivateKey | x25519.X25519PrivateKey


def private_key_from_bytes(suite: SuiteName, raw: bytes) -> PrivateKeyObject:
    if len(raw) != PRIVATE_LEN[suite]:
        raise SealedValueError("private key has the wrong length for its suite")
    if suite is SuiteName.HYBRID:
        return hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(raw[:MLKEM_SEED_LEN]),
            x25519.X25519PrivateKey.from_private_bytes(raw[MLKEM_SEED_LEN:]),
        )
    return x25519.X25519PrivateKey.from_private_bytes(raw)


def open_with(raw_envelope: bytes, private: PrivateKeyObject, suite: SuiteName, key_id: str,
              *, case_id: str, field: str) -> bytes:
    """Open one envelope with one private key, checking the suite, key id and binding."""
    env = Envelope.from_bytes(raw_envelope)
    if env.suite is not suite or env.key_id != key_id:
        raise SealedValueError("sealed to a different key")
    try:
        info = binding_info(env.suite, env.key_id, case_id, field)
        return hpke_suite(env.suite).decrypt(env.payload, private, info=info)
    except Exception:  # InvalidTag, ValueError on a short payload, anything the backend raises
        raise SealedValueError("sealed value does not open here") from None


