"""One effect per Twilio webhook: Twilio retries, proxies replay, attackers resend signed requests.

The first delivery of a MessageSid (or CallSid + step, or RecordingSid) claims a row keyed by an
HMAC of that id, handles the message, and stores its reply encrypted under a key derived from the
signed request. Any other delivery of the same webhook, concurrent or later, waits for that reply
and returns it unchanged: five replays, one report, one receipt, the same text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.channels.lockbox import Lockbox
from signalement.channels.signature import SignedForm
from signalement.db.engine import Database
from signalement.db.models import TwilioWebhook, coarse_hour
from signalement.errors import SignalementError

KEEP_HOURS = 24  # Twilio retries within minutes; a day covers any replay worth answering the same way
WAIT_SECONDS = 10.0  # under Twilio's 15-second limit
POLL_SECONDS = 0.02


class WebhookBusyError(SignalementError):
    """The first delivery of this webhook is still being handled (or died): try again later."""

    status_code = 503
    title = "Busy"


def request_secret(form: SignedForm) -> str:
    """Every signed field, canonically: a replay derives the same key; an insider without it cannot."""
    return "\x00".join(f"{k}\x01{v}" for k in sorted(form) for v in sorted(form[k]))


class ReplayLedger:
    def __init__(self, db: Database, lockbox: Lockbox) -> None:
        self.db = db
        self.lockbox = lockbox

    async def claim(self, kind: str, sid: str) -> str | None:
        """The row key if this delivery is the first; ``None`` for a replay."""
        key = self.lockbox.sid_index(kind, sid)
        async with self.db.writing() as session:
            session.add(TwilioWebhook(sid_index=key, kind=kind, reply=None,
                                      delete_after=coarse_hour() + dt.timedelta(hours=KEEP_HOURS + 1)))
            try:
                await session.commit()
            except IntegrityError:
                return None
        return key

    def locked_reply(self, key: str, form: SignedForm, reply: str) -> bytes:
        return self.lockbox.lock("reply", request_secret(form), key, reply.encode())

    async def record(self, session: AsyncSession, key: str, form: SignedForm, reply: str) -> None:
        """Store the reply in the caller's transaction (the one that commits the message's effect)."""
        row = await session.get(TwilioWebhook, key)
        if row is None:  # released meanwhile: claim again inside this transaction
            row = TwilioWebhook(sid_index=key, kind="sms",
                                delete_after=coarse_hour() + dt.timedelta(hours=KEEP_HOURS + 1))
            session.add(row)
        row.reply = self.locked_reply(key, form, reply)

    async def release(self, key: str) -> None:
        """Forget a claim whose handling failed, so Twilio's retry is handled afresh."""
        async with self.db.writing() as session:
            await session.execute(delete(TwilioWebhook).where(TwilioWebhook.sid_index == key,
                                                              TwilioWebhook.reply.is_(None)))
            await session.commit()

    async def replayed_reply(self, kind: str, sid: str, form: SignedForm) -> str:
        """The reply the first delivery gave, waiting (within Twilio's limit) while it is handled."""
        key = self.lockbox.sid_index(kind, sid)
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            async with self.db.reading() as session:
                row = await session.scalar(select(TwilioWebhook.reply).where(TwilioWebhook.sid_index == key))
            if row is not None:
                return self.lockbox.unlock("reply", request_secret(form), key, row).decode()
            if time.monotonic() > deadline:
                raise WebhookBusyError
            await asyncio.sleep(POLL_SECONDS)
