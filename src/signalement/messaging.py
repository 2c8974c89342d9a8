"""The messaging provider, Twilio's REST side for every channel: send, purge, read an inbound webhook.

``MessagingProvider`` keeps Twilio one implementation among others. ``TwilioProvider`` uses the
real ``twilio`` client (pointed at ``SIGNALEMENT_TWILIO_API_BASE``; tests point it at a local HTTP
peer). Purging runs from the worker: after an inbound text is handled (and after each of our
replies is delivered), a ``twilio.purge`` job deletes the message at Twilio, so Twilio's log stops
linking the reporter's number to us. The SID is sealed to the worker key in the outbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import Protocol

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


class Inbound(msgspec.Struct, frozen=True, kw_only=True):
    """An inbound text as every provider hands it to us."""

    message_id: str
    sender: str
    body: str
    media_count: int = 0


class PurgeJob(msgspec.Struct, frozen=True):
    kind: str  # "message", "recording" (a phone statement, once sealed) or "call" (the call log)
    sid: str


class MessagingProvider(Protocol):
    """What the worker and the channels need from an SMS provider."""

    async def send(self, to: str, body: str, *, idempotency_key: str | None = None) -> str: ...

    async def purge(self, job: PurgeJob) -> None: ...

    def parse_inbound(self, form: Mapping[str, list[str]]) -> Inbound | None: ...


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
            media = int(one("NumMedia") or 0)
        except ValueError:
            media = 0
        return Inbound(message_id=sid, sender=sender, body=one("Body"), media_count=media)


async def queue_purge(session: AsyncSession, worker_key: PublicKey, job: PurgeJob, dedupe_ref: str,
                      delay: dt.timedelta = PURGE_DELAY) -> None:
    """In the caller's transaction: delete this message (recording, call) at Twilio a little later, once."""
    dedupe_key = f"purge:{dedupe_ref}"
    payload = seal(msgspec.msgpack.encode(job), worker_key, case_id=OUTBOX_CASE, field=f"{PURGE_JOB}:{dedupe_key}")
    await outbox.enqueue(session, PURGE_JOB, payload, dedupe_key=dedupe_key, run_after=utcnow() + delay)
