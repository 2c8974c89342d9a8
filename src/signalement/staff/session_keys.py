"""The keys a staff session carries: the master key and set-up secrets, sealed to the key cookie.

``begin`` starts a session under a fresh id and seals the opened master key
(``vault.wrapping.seal_for_session``) under a random key that only the
browser's key cookie holds; ``open_master`` rebuilds it per request. The
store alone, or the cookie alone, opens nothing. Only sign-in and the
officer tier import this module; the research tier reads sessions through
``staff.sessions`` and can reach no key.
"""

from __future__ import annotations

import base64
import binascii
import secrets

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar.connection import ASGIConnection
from litestar.utils.scope.state import ScopeState

from signalement.staff import sessions
from signalement.staff.access import Stage
from signalement.staff.sessions import SESSION_ID_BYTES, CookieNames, SessionState
from signalement.vault.unseal import MasterKey
from signalement.vault.wrapping import SessionSealed, WrongPasswordError, open_from_session, seal_for_session


def begin(
    connection: ASGIConnection,
    *,
    officer_id: int,
    stage: Stage,
    credential_at: str,
    master: MasterKey | None,
    setup_payload: bytes | None = None,
    research: bytes | None = None,
    signin_seq: int = 0,
) -> str:
    """Start a session under a *new* id; returns the value of the key cookie to set.

    ``setup_payload`` (the opened credential, while a first sign-in is being
    completed) is encrypted under the same cookie key as the master key.
    """
    session_id = secrets.token_hex(SESSION_ID_BYTES)
    ScopeState.from_scope(connection.scope).session_id = session_id
    binding = sessions.binding(officer_id, session_id)
    cookie_key = secrets.token_bytes(32)
    sealed_master = None
    if master is not None:
        cookie_key, sealed = seal_for_session(master, binding)
        sealed_master = msgspec.msgpack.encode(sealed)
    encrypted_setup = _encrypt_blob(cookie_key, setup_payload, binding + "|setup") if setup_payload else None
    sealed_research = _encrypt_blob(cookie_key, research, binding + "|research") if research else None
    now = sessions.clock()
    sessions.write_state(
        connection,
        SessionState(
            officer_id=officer_id,
            stage=stage,
            created=now,
            seen=now,
            credential_at=credential_at,
            sealed_master=sealed_master,
            encrypted_setup=encrypted_setup,
            sealed_research=sealed_research,
            signin_seq=signin_seq,
        ),
    )
    return base64.urlsafe_b64encode(cookie_key).decode()


def cookie_key_of(connection: ASGIConnection, names: CookieNames) -> bytes | None:
    raw = connection.cookies.get(names.key, "")
    try:
        key = base64.urlsafe_b64decode(raw.encode())
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == 32 else None


def open_master(connection: ASGIConnection, names: CookieNames, state: SessionState) -> MasterKey | None:
    """The master key, from the store's sealed copy and the cookie key; ``None`` if either is wrong."""
    key = cookie_key_of(connection, names)
    session_id = ScopeState.from_scope(connection.scope).session_id
    if key is None or state.sealed_master is None or not isinstance(session_id, str):
        return None
    try:
        sealed = msgspec.msgpack.decode(state.sealed_master, type=SessionSealed)
        return open_from_session(key, sealed, sessions.binding(state.officer_id, session_id))
    except (WrongPasswordError, msgspec.DecodeError):
        return None


def encrypt_extra(
    connection: ASGIConnection, names: CookieNames, state: SessionState, purpose: str, plain: bytes
) -> bytes | None:
    """Encrypt a set-up secret (a pending TOTP secret) under this session's cookie key."""
    key = cookie_key_of(connection, names)
    session_id = ScopeState.from_scope(connection.scope).session_id
    if key is None or not isinstance(session_id, str):
        return None
    return _encrypt_blob(key, plain, f"{sessions.binding(state.officer_id, session_id)}|{purpose}")


def decrypt_extra(
    connection: ASGIConnection, names: CookieNames, state: SessionState, purpose: str, blob: bytes | None
) -> bytes | None:
    key = cookie_key_of(connection, names)
    session_id = ScopeState.from_scope(connection.scope).session_id
    if key is None or blob is None or not isinstance(session_id, str):
        return None
    return _decrypt_blob(key, blob, f"{sessions.binding(state.officer_id, session_id)}|{purpose}")


def _encrypt_blob(key: bytes, plain: bytes, binding: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(key).encrypt(nonce, plain, binding.encode())


def _decrypt_blob(key: bytes, blob: bytes, binding: str) -> bytes | None:
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], binding.encode())
    except (InvalidTag, ValueError):
        return None
