"""Page state: what the reporter's own browser carries in a hidden field, that nobody else can read or change.

The reporter tier keeps no draft and no session on the server. A report in
progress (and, in the follow-up portal, the proof that someone typed the
right code and secret) travels in one hidden form field, encrypted with
AES-256-GCM under a key derived from the newest ``form_keys`` entry:

* nothing about a report is ever at rest in clear on our side, not even in
  Redis, and a stolen database holds no drafts at all;
* the key id travels in front, so a value encoded before a key rotation still
  opens while the old key is listed;
* the key is derived per purpose and the purpose is authenticated, so a draft
  can never be replayed as a follow-up token or the other way round;
* every value carries when it was made and when its flow began; old values
  stop opening, so a page left in a shared phone's history goes dead;
* the plaintext is compressed before encryption: a long story in Gurmukhi or
  Devanagari travels on every later page, and ciphertext does not compress
  on the wire. (Compression leaks length only to someone who can mix their
  own text into the reporter's draft and watch the sizes; nobody else can
  write into an encrypted draft, and where a proxy compresses pages the story's
  own page already goes out gzip-compressed in clear inside TLS.)
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import time
import zlib
from collections.abc import Callable
from typing import Generic, TypeVar

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from signalement.errors import SignalementError
from signalement.reporter.draft import Draft
from signalement.reporter.visit import ClosedVisitError
from signalement.reporter.visit import tag as visit_tag
from signalement.settings import KeyList

T = TypeVar("T")
DRAFT_IDLE_SECONDS = 4 * 3600
FOLLOWUP_IDLE_SECONDS = 20 * 60
FOLLOWUP_ABSOLUTE_SECONDS = 2 * 3600
NONCE_BYTES = 12
MAX_TOKEN_CHARS = 400_000  # a draft with a 20,000-character story in a 4-byte script, with room to spare
MAX_PLAINTEXT = 1_000_000  # opened values are ours, but a decompression cap costs nothing
_PLAIN, _ZLIB = b"\x00", b"\x01"


class TamperedFormError(SignalementError):
    """A page-state value was altered, cut short, made for another purpose, or under a key we lack."""


class ExpiredFormError(SignalementError):
    """A page-state value is older than its purpose allows."""


class Decoded(msgspec.Struct, Generic[T], frozen=True):
    value: T
    started: int  # when the flow began (unix seconds): the absolute lifetime counts from here
    made_at: int


class _Frame(msgspec.Struct, array_like=True, frozen=True):
    made_at: int
    started: int
    body: msgspec.Raw
    visit: bytes = b""  # the hash of the browser's visit key (reporter.visit): no other browser opens it


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _inflate(plain: bytes) -> bytes:
    if plain[:1] == _PLAIN:
        return plain[1:]
    if plain[:1] != _ZLIB:
        raise ValueError("unknown encoding")
    inflater = zlib.decompressobj()
    out = inflater.decompress(plain[1:], MAX_PLAINTEXT)
    if inflater.unconsumed_tail or not inflater.eof:
        raise ValueError("too large or cut short")
    return out


class PageState(Generic[T]):
    """Encodes and decodes one kind of value for one purpose, with an idle and an absolute lifetime."""

    def __init__(
        self,
        keys: KeyList,
        purpose: str,
        kind: type[T],
        *,
        idle_seconds: int,
        absolute_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._purpose = purpose
        self._kind = kind
        self._idle = idle_seconds
        self._absolute = absolute_seconds
        self._clock = clock
        self._keys = {kid: self._derive(key) for kid, key in keys.keys}
        self._current = keys.current[0]

    def _derive(self, key: bytes) -> AESGCM:
        info = f"signalement/reporter/form-seal/{self._purpose}/v1".encode()
        return AESGCM(HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(key))

    def _associated(self, kid: str) -> bytes:
        return f"signalement/{self._purpose}/v1|{kid}".encode()

    def encode(self, value: T, *, visit: str, started: int | None = None) -> str:
        now = int(self._clock())
        frame = _Frame(
            made_at=now,
            started=now if started is None else started,
            body=msgspec.Raw(msgspec.msgpack.encode(value)),
            visit=visit_tag(visit),
        )
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._keys[self._current].encrypt(
            nonce, _ZLIB + zlib.compress(msgspec.msgpack.encode(frame)), self._associated(self._current)
        )
        return f"{self._current}.{_b64(nonce + ciphertext)}"

    def decode(self, token: str, *, visit: str) -> Decoded[T]:
        """The value, or ``TamperedFormError`` / ``ClosedVisitError`` / ``ExpiredFormError``.

        Never a partial or unchecked value, and never one made for another visit: a form
        re-sent from the history after Quick exit (which ends the visit) opens nothing.
        """
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise TamperedFormError
        kid, _, payload = token.rpartition(".")
        aead = self._keys.get(kid)
        if aead is None:
            raise TamperedFormError
        try:
            raw = _unb64(payload)
            plain = _inflate(aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._associated(kid)))
            frame = msgspec.msgpack.decode(plain, type=_Frame)
            value = msgspec.msgpack.decode(frame.body, type=self._kind)
        except (InvalidTag, ValueError, binascii.Error, zlib.error, msgspec.DecodeError):
            raise TamperedFormError from None
        if not hmac.compare_digest(frame.visit, visit_tag(visit)):
            raise ClosedVisitError
        now = self._clock()
        if (
            now - frame.made_at > self._idle
            or now - frame.started > self._absolute
            or frame.made_at > now + 60
        ):
            raise ExpiredFormError
        return Decoded(value=value, started=frame.started, made_at=frame.made_at)


class FollowupToken(msgspec.Struct, frozen=True, kw_only=True):
    """Proof, carried in the follow-up page, that this browser typed the right code and secret.

    It holds the reporter's own follow-up key (which opens officer replies and
    nothing else), encrypted under the form key and bound to the visit cookie.
    No server session: when the page is closed, the token goes stale or Quick
    exit ends the visit, the access is gone.
    """

    case_id: str
    suite: str
    key: bytes
    reply_nonce: str  # a fresh id per page, so a double-tapped "Send" adds one message


class PageStates:
    """The page-state codecs the reporter tier uses, built once per app from ``form_keys``."""

    def __init__(self, form_keys: KeyList, staged_evidence_hours: int) -> None:
        keys = form_keys
        # Staged uploads are purged after ``staged_evidence_hours`` (counted from an hour-truncated
        # time), so a draft must go dead before its files can: two hours of margin.
        absolute = max(3600, (staged_evidence_hours - 2) * 3600)
        self.drafts: PageState[Draft] = PageState(
            keys,
            "report-draft",
            Draft,
            idle_seconds=min(DRAFT_IDLE_SECONDS, absolute),
            absolute_seconds=absolute,
        )
        self.followups: PageState[FollowupToken] = PageState(
            keys,
            "followup-access",
            FollowupToken,
            idle_seconds=FOLLOWUP_IDLE_SECONDS,
            absolute_seconds=FOLLOWUP_ABSOLUTE_SECONDS,
        )
