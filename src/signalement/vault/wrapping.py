"""An officer's credential: their secrets sealed under their password.

Argon2id(password, salt) gives a key-encryption key; AES-256-GCM under it
seals the officer's TOTP secret and, for roles that read cases, the
directorate master private key. The officer id is authenticated data, so a
database writer cannot paste their own credential onto someone else's
account. Opening the credential *is* the password check: there is no
separate password hash to steal and crack without also cracking this.

At sign-in the master key moves into the server-side session, sealed again
under a random key that only the officer's browser holds (a cookie): the
session store alone, or the cookie alone, opens nothing.
"""

from __future__ import annotations

import base64
import os

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from signalement.vault.kdf import OFFICER_PARAMS, Argon2Params, derive
from signalement.vault.suites import SuiteName
from signalement.vault.unseal import MasterKey

CREDENTIAL_VERSION = 1


class WrongPasswordError(Exception):
    """The password does not open this credential."""


class CredentialPayload(msgspec.Struct, frozen=True, kw_only=True):
    totp_secret: bytes | None = None
    master_key_id: str | None = None
    master_suite: str | None = None
    master_private: bytes | None = None
    # Researchers and supervisors: the research private key (msgpack ``metrics.research_key.ResearchKey``),
    # which opens feedback comments and nothing else.
    research_key: bytes | None = None

    def master(self) -> MasterKey | None:
        if self.master_private is None or self.master_key_id is None or self.master_suite is None:
            return None
        return MasterKey(key_id=self.master_key_id, suite=SuiteName(self.master_suite), private=self.master_private)

    def with_master(self, master: MasterKey | None) -> CredentialPayload:
        if master is None:
            return msgspec.structs.replace(self, master_key_id=None, master_suite=None, master_private=None)
        return msgspec.structs.replace(
            self, master_key_id=master.key_id, master_suite=master.suite.value, master_private=master.private
        )


def _aad(officer_id: int) -> bytes:
    return f"signalement/credential/v{CREDENTIAL_VERSION}|{officer_id}".encode()


def seal_credential(password: str, officer_id: int, payload: CredentialPayload,
                    params: Argon2Params = OFFICER_PARAMS) -> tuple[dict[str, object], bytes]:
    """Seal ``payload`` under ``password``. Slow by design: call it through ``KdfPool``."""
    salt = os.urandom(16)
    kek = derive(params, password.encode("utf-8"), salt)
    nonce = os.urandom(12)
    blob = nonce + AESGCM(kek).encrypt(nonce, msgspec.msgpack.encode(payload), _aad(officer_id))
    kdf = {"alg": "argon2id", "v": CREDENTIAL_VERSION, "m": params.memory_kib, "t": params.iterations,
           "p": params.lanes, "salt": base64.b64encode(salt).decode()}
    return kdf, blob


def open_credential(password: str, officer_id: int, kdf: dict[str, object], blob: bytes) -> CredentialPayload:
    """Open a credential; ``WrongPasswordError`` for any failure. Slow by design."""
    try:
        params = Argon2Params(memory_kib=int(kdf["m"]), iterations=int(kdf["t"]), lanes=int(kdf["p"]))  # type: ignore[call-overload]
        salt = base64.b64decode(str(kdf["salt"]))
        kek = derive(params, password.encode("utf-8"), salt)
        plain = AESGCM(kek).decrypt(blob[:12], blob[12:], _aad(officer_id))
        return msgspec.msgpack.decode(plain, type=CredentialPayload)
    except (InvalidTag, KeyError, ValueError, TypeError, msgspec.DecodeError):
        raise WrongPasswordError from None


def dummy_open(password: str, params: Argon2Params = OFFICER_PARAMS) -> None:
    """Spend the same time as ``open_credential`` for an unknown user, so timing reveals nothing."""
    derive(params, password.encode("utf-8"), b"\0" * 16)


class SessionSealed(msgspec.Struct, frozen=True):
    """The master key as kept in the session store: useless without the cookie key."""

    nonce: bytes
    ciphertext: bytes


def seal_for_session(master: MasterKey, session_binding: str) -> tuple[bytes, SessionSealed]:
    """Returns (cookie key, sealed blob for the session store)."""
    cookie_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    ct = AESGCM(cookie_key).encrypt(nonce, msgspec.msgpack.encode(master), session_binding.encode())
    return cookie_key, SessionSealed(nonce=nonce, ciphertext=ct)


def open_from_session(cookie_key: bytes, sealed: SessionSealed, session_binding: str) -> MasterKey:
    try:
        plain = AESGCM(cookie_key).decrypt(sealed.nonce, sealed.ciphertext, session_binding.encode())
        return msgspec.msgpack.decode(plain, type=MasterKey)
    except (InvalidTag, ValueError, msgspec.DecodeError):
        raise WrongPasswordError from None
