"""What the staff layer trusts from the database and the session store, authenticated under the staff keys.

A database insider could otherwise write a credential row sealed under a password of their choosing and
sign in as anyone, or raise an account's role with an UPDATE; a Redis insider could write a session, or use
a session id read out of the store. Everything of that kind is authenticated under
``SIGNALEMENT_STAFF_KEYS``, a key list held in the environment of the officer and research tiers only:

* a credential row carries ``HMAC(staff key, officer id | username | role | region | kdf | blob | key
  flag)``, checked at sign-in and on every request (``accounts.authenticate``, ``guard``);
* a session is stored under ``HMAC(staff key, session id)`` (the store never sees the id the cookie holds)
  and encrypted and authenticated under a key derived from the staff key, bound to that id;
* the CSRF token of a signed-in browser is derived from its session id.

Each purpose gets its own sub-key, and values carry the list entry's id so old ones verify during rotation.
Nothing here opens a sealed value; the research tier may import it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from signalement.settings import KeyList

CSRF_SECRET_HEX = 64  # Litestar's CSRF token: 64 hex characters of secret, then their HMAC
_SESSION_MAGIC = b"S1"


def subkey(keys: KeyList, purpose: str, key_id: str | None = None) -> tuple[str, bytes]:
    """The sub-key for ``purpose`` under the newest staff key (or the one named ``key_id``)."""
    kid, key = (key_id, keys.get(key_id)) if key_id else keys.current
    return kid, hmac.new(key, f"signalement/staff/{purpose}".encode(), hashlib.sha256).digest()


# ---- credential rows -----------------------------------------------------------------------------


def _credential_message(*, officer_id: int, username: str, role: str, region: str | None,
                        kdf: dict[str, object], blob: bytes, holds_master_key: bool) -> bytes:
    return json.dumps(
        [officer_id, username, role, region, kdf, base64.b64encode(blob).decode(), bool(holds_master_key)],
        sort_keys=True, separators=(",", ":"),
    ).encode()


def credential_mac(keys: KeyList, *, officer_id: int, username: str, role: str, region: str | None,
                   kdf: dict[str, object], blob: bytes, holds_master_key: bool, key_id: str | None = None) -> str:
    """``keyid:hex`` over what makes a credential row the one the service issued to this account."""
    kid, key = subkey(keys, "credential", key_id)
    message = _credential_message(officer_id=officer_id, username=username, role=role, region=region, kdf=kdf,
                                  blob=blob, holds_master_key=holds_master_key)
    return f"{kid}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"


def credential_mac_ok(keys: KeyList, mac: str | None, *, officer_id: int, username: str, role: str,
                      region: str | None, kdf: dict[str, object], blob: bytes, holds_master_key: bool) -> bool:
    kid, sep, _ = (mac or "").partition(":")
    if not sep:
        return False
    try:
        want = credential_mac(keys, officer_id=officer_id, username=username, role=role, region=region, kdf=kdf,
                              blob=blob, holds_master_key=holds_master_key, key_id=kid)
    except KeyError:
        return False
    return hmac.compare_digest(want, mac or "")


def needs_restamp(keys: KeyList, mac: str | None) -> bool:
    """True when a valid MAC was made under an older staff key (restamp it at the next change)."""
    return (mac or "").partition(":")[0] != keys.current[0]


# ---- sessions ------------------------------------------------------------------------------------


def session_store_key(keys: KeyList, session_id: str) -> str:
    """Where a session lives in the store: the id the cookie holds never appears there."""
    _, key = subkey(keys, "session-id")
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def seal_session(keys: KeyList, session_id: str, raw: bytes) -> bytes:
    kid, key = subkey(keys, "session")
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, raw, f"signalement/session/v1|{session_id}".encode())
    kid_bytes = kid.encode()
    return _SESSION_MAGIC + bytes([len(kid_bytes)]) + kid_bytes + nonce + ct


def open_session(keys: KeyList, session_id: str, blob: bytes | str) -> bytes | None:
    """The session's plaintext, or ``None`` if it was not written by us for this id."""
    data = blob.encode("latin-1") if isinstance(blob, str) else bytes(blob)
    if len(data) < 3 or data[:2] != _SESSION_MAGIC:
        return None
    n = data[2]
    try:
        _, key = subkey(keys, "session", data[3 : 3 + n].decode())
        rest = data[3 + n :]
        return AESGCM(key).decrypt(rest[:12], rest[12:], f"signalement/session/v1|{session_id}".encode())
    except (KeyError, UnicodeDecodeError, InvalidTag, ValueError):
        return None


# ---- CSRF ----------------------------------------------------------------------------------------


def csrf_secret_for_session(keys: KeyList, session_id: str) -> str:
    """The secret half of a signed-in browser's CSRF token: a token issued to another session differs."""
    _, key = subkey(keys, "csrf")
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()[:CSRF_SECRET_HEX]


def csrf_token_for_session(keys: KeyList, session_id: str, app_secret: str) -> str:
    """A whole token in Litestar's format (secret, then HMAC of it under the app's CSRF secret)."""
    secret = csrf_secret_for_session(keys, session_id)
    return secret + hmac.new(app_secret.encode(), secret.encode(), hashlib.sha256).hexdigest()


def csrf_bound(keys: KeyList, session_id: str, token: str | None) -> bool:
    if not token or len(token) < CSRF_SECRET_HEX:
        return False
    return hmac.compare_digest(token[:CSRF_SECRET_HEX], csrf_secret_for_session(keys, session_id))
