"""The research key: a keypair that opens page-feedback comments and nothing else.

Layout in the key store (beside the directorate keys)::

    research.json     the research *public* key: comments are sealed to it
    research.sealed   its private half, sealed to the directorate master public key

An admin's signed-in session (which holds the master key) can open
``research.sealed`` to put the private half into a researcher's or
supervisor's credential (``staff.research_grant``); at sign-in it moves into
their session exactly as an officer's master key does (``staff.research_session``).
The research tier therefore reads comments without ever holding a key that
opens a case, and the intake tier seals comments without holding anything
that opens them.

Creating the key needs only public keys, so ``signalement init`` (or the
first grant, on an older installation) makes it.
"""

from __future__ import annotations

import datetime as dt
import secrets

import msgspec

from signalement.vault.keystore import KeyStore, KeyStoreError, PublicKey, decode_public, encode_public, write_atomic
from signalement.vault.seal import seal
from signalement.vault.suites import SuiteName, generate_private_bytes, public_bytes_for

PUBLIC_FILE = "research.json"
SEALED_FILE = "research.sealed"
# Where research.sealed is bound when sealed to the master key (vault.envelope.binding_info).
SEALED_CASE = "keystore"
SEALED_FIELD = "research-private"


class ResearchKey(msgspec.Struct, frozen=True):
    """The research private key, as carried in a credential and (sealed to the key cookie) a session."""

    key_id: str
    suite: SuiteName
    private: bytes


def research_public(store: KeyStore) -> PublicKey | None:
    """The key comments are sealed to, or ``None`` when this installation has none yet."""
    path = store.root / PUBLIC_FILE
    try:
        return decode_public(path.read_bytes())
    except FileNotFoundError:
        return None


def ensure_research_key(store: KeyStore) -> PublicKey:
    """Make the research keypair if it does not exist (idempotent, race-safe across replicas)."""
    existing = research_public(store)
    if existing is not None:
        return existing
    try:
        master = store.master_public()
    except KeyStoreError:
        raise
    suite = master.suite
    private = generate_private_bytes(suite)
    public = PublicKey(key_id=f"rs-{secrets.token_hex(4)}", suite=suite, purpose="research",
                       public=public_bytes_for(suite, private),
                       created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    sealed = seal(private, master, case_id=SEALED_CASE, field=SEALED_FIELD)
    try:
        write_atomic(store.root / SEALED_FILE, sealed, mode=0o600, exclusive=True)
    except FileExistsError:  # another process won; use its key
        pass
    else:
        write_atomic(store.root / PUBLIC_FILE, encode_public(public), mode=0o644, exclusive=True)
        return public
    found = research_public(store)
    if found is None:
        raise KeyStoreError("research.sealed exists without research.json")
    return found


def encode_key(key: ResearchKey) -> bytes:
    return msgspec.msgpack.encode(key)


def decode_key(raw: bytes) -> ResearchKey | None:
    try:
        return msgspec.msgpack.decode(raw, type=ResearchKey)
    except msgspec.DecodeError:
        return None


__all__ = ["ResearchKey", "SuiteName", "decode_key", "encode_key", "ensure_research_key", "research_public"]
