"""The messaging provider, Twilio's REST side for every channel: send, purge, read an inbound webhook.

``MessagingProvider`` keeps Twilio one implementation among others. ``TwilioProvider`` uses the
real ``twilio`` client (pointed at ``SIGNALEMENT_TWILIO_API_BASE``; tests point it at a local HTTP
peer). Purging runs from the worker: after an inbound text is handled (and after each of our
replies is delivered), a ``twilio.purge`` job deletes the message at Twilio, so Twilio's log stops
linking the reporter's number to us. The SID is sealed to the worker key in the outbox.
A text with photos (MMS) is purged by its ``twilio.media`` job instead (``signalement.mms``), once
the photos are downloaded: ``fetch_media`` reads one with HTTP Basic auth, never from a URL the
webhook gave us, only from the SIDs under the configured API base.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Mapping
from typing import Protocol

import httpx
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.base.exceptions import TwilioRestException

from signalement import outbox
from signalement.db.models import utcnow
from signalement.notify import OUTBOX_CASE, PermanentSendError, twilio_client
from signalement.settings import Settings
from signalement.vault.keystore import PublicKey
from signalement.vault.seal import seal

PURGE_JOB = "twilio.purge"
PURGE_DELAY = dt.timedelta(minutes=2)  # let Twilio finish with a message before it is deleted
MAX_MEDIA = 10  # Twilio's own limit on files in one MMS
MEDIA_SID = re.compile(r"ME[0-9a-fA-F]{32}")
MESSAGE_SID = re.compile(r"(MM|SM)[0-9a-fA-F]{32}")
MEDIA_TIMEOUT = 30.0


class UnusableMediaError(Exception):
    """A file attached to a text cannot be had: retrying will not change that."""


class MediaTooBigError(UnusableMediaError):
    """A photo at Twilio is larger than we accept: it is not read past the limit."""


class MediaGoneError(UnusableMediaError):
    """The provider no longer holds the file."""


class InboundMedia(msgspec.Struct, frozen=True, kw_only=True):
    """One file attached to an inbound text: its SID at the provider and its claimed type."""

    sid: str  # "" when the webhook's URL did not end in a media SID we recognise
    content_type: str


class Inbound(msgspec.Struct, frozen=True, kw_only=True):
    """An inbound text as every provider hands it to us."""

    message_id: str
    sender: str
    body: str
    media_count: int = 0
    media: tuple[InboundMedia, ...] = ()


class PurgeJob(msgspec.Struct, frozen=True):
    # "message", "media" (an MMS file of message `parent`), "recording" (a phone statement, once sealed) or "call"
    kind: str
    sid: str
    parent: str = ""  # a media file's message SID


class MessagingProvider(Protocol):
    """What the worker and the channels need from an SMS provider."""

    async def send(self, to: str, body: str, *, idempotency_key: str | None = None) -> str: ...

    async def purge(self, job: PurgeJob) -> None: ...

    def parse_inbound(self, form: Mapping[str, list[str]]) -> Inbound | None: ...

    async def fetch_media(self, message_sid: str, media_sid: str, max_bytes: int) -> bytes:
        """A photo's bytes; ``MediaTooBigError`` past ``max_bytes``."""
        ...

    async def sender_of(self, message_sid: str) -> str:
        """Who sent an inbound message (read from the provider when needed, never stored by us)."""
        ...


class TwilioProvider:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, to: str, body: str, *, idempotency_key: str | None = None) -> str:
        return await asyncio.to_thread(self._send, to, body, idempotency_key)

    def _send(self, to: str, body: str, idempotency_key: str | None) -> str:
        try:
            sender = ({"messaging_service_sid": self.settings.twilio_messaging_service_sid}
                      if self.settings.twilio_messaging_service_sid else {"from_": self.settings.twilio_from_number})
            message = twilio_client(self.settings, idempotency_key).messages.create(to=to, body=body, **sender)
        except TwilioRestException as exc:
            if 400 <= exc.status < 500 and exc.status not in (408, 429):
                raise PermanentSendError(str(exc.code)) from None  # an invalid or opted-out number
            raise
        return str(message.sid)

    async def purge(self, job: PurgeJob) -> None:
        await asyncio.to_thread(self._purge, job)

    def _purge(self, job: PurgeJob) -> None:
        client = twilio_client(self.settings)
        try:
            if job.kind == "recording":
                client.recordings(job.sid).delete()
            elif job.kind == "call":
                client.calls(job.sid).delete()
            elif job.kind == "media":
                client.messages(job.parent).media(job.sid).delete()
            else:
                client.messages(job.sid).delete()
        except TwilioRestException as exc:
            if exc.status != 404:  # already gone is what we wanted
                raise

    def parse_inbound(self, form: Mapping[str, list[str]]) -> Inbound | None:
        def one(name: str) -> str:
            return (form.get(name) or [""])[0]

        sid = one("MessageSid") or one("SmsSid")
        sender = one("From")
        if not sid or not sender:
            return None
        try:
            count = max(0, min(int(one("NumMedia") or 0), MAX_MEDIA))
        except ValueError:
            count = 0
        fetchable = MESSAGE_SID.fullmatch(sid) is not None  # the worker puts it in a URL path
        media = tuple(InboundMedia(sid=_media_sid(one(f"MediaUrl{i}")) if fetchable else "",
                                   content_type=one(f"MediaContentType{i}")) for i in range(count))
        return Inbound(message_id=sid, sender=sender, body=one("Body"), media_count=count, media=media)

    async def fetch_media(self, message_sid: str, media_sid: str, max_bytes: int) -> bytes:
        return await download(self.settings, f"Messages/{message_sid}/Media/{media_sid}", max_bytes)

    async def sender_of(self, message_sid: str) -> str:
        return await asyncio.to_thread(lambda: str(twilio_client(self.settings).messages(message_sid).fetch().from_))


async def download(settings: Settings, resource: str, max_bytes: int, *, seconds: float = MEDIA_TIMEOUT) -> bytes:
    """A file held at Twilio (an MMS photo, a call recording), read streamed with the account's HTTP Basic auth.

    ``resource`` is the path under the account (built from checked SIDs, never from a URL Twilio sent).
    ``MediaGoneError`` on 404; ``MediaTooBigError`` as soon as more than ``max_bytes`` is announced or read.
    httpx drops the credentials when Twilio redirects to its storage on another host.
    """
    url = f"{settings.twilio_api_base.rstrip('/')}/2010-04-01/Accounts/{settings.twilio_account_sid}/{resource}"
    async with httpx.AsyncClient(auth=(settings.twilio_account_sid, settings.twilio_auth_token),
                                 follow_redirects=True, timeout=seconds) as client, \
            client.stream("GET", url) as response:
        if response.status_code == 404:
            raise MediaGoneError
        response.raise_for_status()
        if int(response.headers.get("content-length") or 0) > max_bytes:
            raise MediaTooBigError
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > max_bytes:
                raise MediaTooBigError
    return bytes(data)


def _media_sid(url: str) -> str:
    """The media SID at the end of Twilio's media URL (the URL itself is never fetched or kept)."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return last if MEDIA_SID.fullmatch(last) else ""


def sealed_purge(worker_key: PublicKey, job: PurgeJob, dedupe_ref: str,
                 delay: dt.timedelta = PURGE_DELAY) -> outbox.SealedJob:
    """The purge job of ``queue_purge``, sealed now (before the caller takes the write lock)."""
    dedupe_key = f"purge:{dedupe_ref}"
    payload = seal(msgspec.msgpack.encode(job), worker_key, case_id=OUTBOX_CASE, field=f"{PURGE_JOB}:{dedupe_key}")
    return outbox.SealedJob(kind=PURGE_JOB, payload=payload, dedupe_key=dedupe_key, run_after=utcnow() + delay)


async def queue_purge(session: AsyncSession, worker_key: PublicKey, job: PurgeJob, dedupe_ref: str,
                      delay: dt.timedelta = PURGE_DELAY) -> None:
    """In the caller's transaction: delete this message (recording, call) at Twilio a little later, once."""
    await outbox.enqueue_once(session, sealed_purge(worker_key, job, dedupe_ref, delay))
