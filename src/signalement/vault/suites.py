"""HPKE suites and public-key encoding.

The default suite is ML-KEM-768 + X25519 (hybrid) / HKDF-SHA256 / AES-256-GCM:
an allegation must stay secret for decades, longer than we can promise that
X25519 alone will hold against a quantum computer, and the hybrid stays as
strong as X25519 if ML-KEM is ever broken. X25519 alone is a setting for
deployments that must interoperate with older tooling.

This module only knows how to *encode* keys and build suites. Turning bytes
into a private key lives in ``vault.unseal`` (directorate keys) and
``vault.followup`` (the reporter's own key).
"""

from __future__ import annotations

import enum

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519


class SuiteName(enum.StrEnum):
    HYBRID = "mlkem768-x25519"
    X25519 = "x25519"


# One byte in every envelope says which suite sealed it.
SUITE_IDS: dict[SuiteName, int] = {SuiteName.HYBRID: 1, SuiteName.X25519: 2}
SUITE_BY_ID: dict[int, SuiteName] = {v: k for k, v in SUITE_IDS.items()}

MLKEM_SEED_LEN = 64
MLKEM_PUBLIC_LEN = 1184
X25519_LEN = 32
PRIVATE_LEN = {SuiteName.HYBRID: MLKEM_SEED_LEN + X25519_LEN, SuiteName.X25519: X25519_LEN}
PUBLIC_LEN = {SuiteName.HYBRID: MLKEM_PUBLIC_LEN + X25519_LEN, SuiteName.X25519: X25519_LEN}

PublicKeyObject = hpke.MLKEM768X25519PublicKey | x25519.X25519PublicKey


def hpke_suite(name: SuiteName) -> hpke.Suite:
    kem = hpke.KEM.MLKEM768_X25519 if name is SuiteName.HYBRID else hpke.KEM.X25519
    return hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def public_key_from_bytes(name: SuiteName, raw: bytes) -> PublicKeyObject:
    """Decode a public key we wrote with ``public_key_bytes``."""
    if len(raw) != PUBLIC_LEN[name]:
        raise ValueError("public key has the wrong length for its suite")
    if name is SuiteName.HYBRID:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(raw[:MLKEM_PUBLIC_LEN]),
            x25519.X25519PublicKey.from_public_bytes(raw[MLKEM_PUBLIC_LEN:]),
        )
    return x25519.X25519PublicKey.from_public_bytes(raw)


def generate_private_bytes(name: SuiteName) -> bytes:
    """Fresh private key material: the ML-KEM seed and/or the X25519 scalar, concatenated."""
    import os

    return os.urandom(PRIVATE_LEN[name])


def public_bytes_for(name: SuiteName, private_raw: bytes) -> bytes:
    """The public key for private material from ``generate_private_bytes`` or a derivation.

    Computing a public key is not decryption; key generation (``init``, ``keys
    rotate``, the reporter's follow-up key) needs it.
    """
    if len(private_raw) != PRIVATE_LEN[name]:
        raise ValueError("private key material has the wrong length for its suite")
    if name is SuiteName.HYBRID:
        mk = mlkem.MLKEM768PrivateKey.from_seed_bytes(private_raw[:MLKEM_SEED_LEN])
        xk = x25519.X25519PrivateKey.from_private_bytes(private_raw[MLKEM_SEED_LEN:])
        return mk.public_key().public_bytes_raw() + xk.public_key().public_bytes_raw()
    return x25519.X25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes_raw()
