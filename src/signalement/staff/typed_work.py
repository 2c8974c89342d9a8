"""Typed work that outlives its session: a note or reply sent after the idle limit comes back after sign-in.

An officer types a note, the session ends while they think, they press "Add note": the request arrives
without a session. Instead of dropping the words, the guard keeps them, sealed, for the officer's next
sitting (decision 0015):

* the text is encrypted with AES-256-GCM under a fresh random 32-byte key; the additional data binds it to
  the officer whose session just expired and to the page it returns to (the case), so another officer's
  session, or another case, cannot open it;
* the ciphertext goes to the shared store (Redis in production) under a hash of a random id, for
  ``KEEP_SECONDS``; the id and the key go to the browser only, in an HttpOnly, SameSite=Strict cookie that
  expires at the same time. The store alone (a Redis insider) holds ciphertext without its key; the
  cookie alone holds a key without anything to open;
* it is kept only when the request carries the CSRF token issued to the session that expired: a page of
  ours, in this officer's browser, sent it;
* after sign-in, the page it returns to opens it once (``take``), puts the words back in the box (never
  submits them) and deletes the stored copy. Past ``KEEP_SECONDS`` it is gone from the store, and the
  sealed expiry refuses a copy that outlived it anyway.

A session whose store entry has already gone (``sessions.STORE_GRACE_SECONDS`` after the idle limit) no
longer says who it was: nothing can be bound to an officer, so nothing is kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie

from signalement.settings import Settings
from signalement.staff import sessions

KEEP_SECONDS = 30 * 60
MAX_TEXT = 5_000
_ID_BYTES, _KEY_BYTES, _NONCE_BYTES = 16, 32, 12
_STORE = "typed-work"
_OPT = "signalement.keep_typed"


class KeepTyped(msgspec.Struct, frozen=True, kw_only=True):
    """A route's promise (in its ``opt``): if its session has expired, keep this form field for next time.

    ``kind`` names the box it returns to (``note``, ``reply``); the page it returns to is the route's path
    without its last segment (``/officer/cases/<id>/notes`` → ``/officer/cases/<id>``), at ``anchor``."""

    kind: str
    field: str = "text"
    anchor: str = ""


class Kept(msgspec.Struct, frozen=True, kw_only=True):
    """What is sealed: the words, which box they go back to, and until when they may."""

    kind: str
    text: str
    expires: float


def opt(keep: KeepTyped) -> dict[str, KeepTyped]:
    """Extra ``opt`` for ``guard.declare``: ``declare(Permission.X, **typed_work.opt(KeepTyped(...)))``."""
    return {_OPT: keep}


def promise_of(route_opt: dict[str, object]) -> KeepTyped | None:
    found = route_opt.get(_OPT)
    return found if isinstance(found, KeepTyped) else None


def cookie_name(settings: Settings) -> str:
    return "__Host-signalement-typed" if settings.is_production else "signalement-typed"


def return_path(path: str) -> str:
    """The page a form at ``path`` belongs to: its path without the last segment."""
    return path.rstrip("/").rsplit("/", 1)[0]


def _binding(officer_id: int, page: str) -> bytes:
    return f"signalement/typed-work/v1|{officer_id}|{page}".encode()


def _store_key(kept_id: bytes) -> str:
    # The store sees a hash of the id, not the id the cookie holds.
    return "typed:" + hashlib.sha256(kept_id).hexdigest()


def _cookie(settings: Settings, value: str, *, clear: bool = False) -> Cookie:
    return Cookie(key=cookie_name(settings), value="" if clear else value, path="/", secure=settings.is_production,
                  httponly=True, samesite="strict", max_age=0 if clear else KEEP_SECONDS, expires=0 if clear else None)


async def keep(connection: ASGIConnection, settings: Settings, officer_id: int, page: str, kind: str,
               text: str) -> Cookie:
    """Seal ``text`` for ``officer_id``'s next sitting on ``page``; the cookie that opens it goes to the browser."""
    kept_id, key, nonce = os.urandom(_ID_BYTES), os.urandom(_KEY_BYTES), os.urandom(_NONCE_BYTES)
    plain = msgspec.msgpack.encode(Kept(kind=kind, text=text[:MAX_TEXT], expires=sessions.clock() + KEEP_SECONDS))
    blob = nonce + AESGCM(key).encrypt(nonce, plain, _binding(officer_id, page))
    store = connection.scope["app"].state.runtime.store(_STORE)
    await store.set(_store_key(kept_id), blob, expires_in=KEEP_SECONDS)
    return _cookie(settings, base64.urlsafe_b64encode(kept_id + key).decode().rstrip("="))


async def take(connection: ASGIConnection, settings: Settings, officer_id: int, page: str) -> Kept | None:
    """The words kept for this officer on this page, once; ``None`` if there are none, or not for them."""
    raw = connection.cookies.get(cookie_name(settings), "")
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(decoded) != _ID_BYTES + _KEY_BYTES:
        return None
    kept_id, key = decoded[:_ID_BYTES], decoded[_ID_BYTES:]
    store = connection.scope["app"].state.runtime.store(_STORE)
    blob = await store.get(_store_key(kept_id))
    if blob is None or len(blob) <= _NONCE_BYTES:
        return None
    try:
        plain = AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _binding(officer_id, page))
    except InvalidTag:
        return None  # another officer, or another page: left for its owner until it expires
    await store.delete(_store_key(kept_id))
    kept = msgspec.msgpack.decode(plain, type=Kept)
    return kept if kept.expires > sessions.clock() else None


def forget(settings: Settings) -> Cookie:
    """The cookie that clears the browser's half once the words are back in their box."""
    return _cookie(settings, "", clear=True)
