"""One effect per Twilio webhook: Twilio retries, proxies replay, attackers resend signed requests.

A webhook's effect (the new conversation state, the purge job) and its reply are committed in one
transaction together with a row keyed by an HMAC of its MessageSid (or CallSid + step, or RecordingSid),
which is UNIQUE. A later delivery finds the row and gets the same reply; a concurrent one loses the
insert and then reads the winner's reply. The reply is encrypted under a key derived from the signed
request, so the row is useless to a database insider: five replays, one report, one receipt, one text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import cast

from sqlalchemy import Select, Table, bindparam, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.channels.lockbox import Lockbox
from signalement.channels.signature import SignedForm
from signalement.db.engine import Database, Write
from signalement.db.models import TwilioWebhook, coarse_hour

KEEP_HOURS = 24  # Twilio retries within minutes; a day covers any replay worth answering the same way
POLL_SECONDS = 0.02
WEBHOOKS = cast(Table, TwilioWebhook.__table__)
INSERT_ROW = insert(WEBHOOKS).values(sid_index=bindparam("w_sid_index"), kind=bindparam("w_kind"),
                                     reply=bindparam("w_reply"), delete_after=bindparam("w_delete_after"))


def request_secret(form: SignedForm) -> str:
    """Every signed field, canonically: a replay derives the same key; an insider without it cannot."""
    return "\x00".join(f"{k}\x01{v}" for k in sorted(form) for v in sorted(form[k]))


class ReplayLedger:
    def __init__(self, db: Database, lockbox: Lockbox) -> None:
        self.db = db
        self.lockbox = lockbox

    def key(self, kind: str, sid: str) -> str:
        return self.lockbox.sid_index(kind, sid)

    async def stored_reply(self, key: str, form: SignedForm, session: AsyncSession | None = None) -> str | None:
        """The reply already given to this webhook, or ``None`` if it was never handled.
        ``LockedValueError`` if the row exists but this request is not the one that made it."""
        query = select(TwilioWebhook.reply).where(TwilioWebhook.sid_index == key)
        if session is None:
            async with self.db.reading() as own:
                blob = await own.scalar(query)
        else:
            blob = await session.scalar(query)
        return self.opened(key, form, blob)

    def lookup(self, key: str) -> Select[str, bytes | None, int]:
        """The query for this webhook's ledger row (``sid_index, reply, 0``), for a caller's combined read."""
        return select(WEBHOOKS.c.sid_index, WEBHOOKS.c.reply, literal(0)).where(WEBHOOKS.c.sid_index == key)

    def opened(self, key: str, form: SignedForm, blob: bytes | None) -> str | None:
        """The stored reply in ``blob`` (``None``: never handled). ``LockedValueError`` if this request is not
        the one that made it."""
        if blob is None:
            return None
        return self.lockbox.unlock("reply", request_secret(form), key, blob).decode()

    def row(self, key: str, kind: str, form: SignedForm, reply: str) -> dict[str, object]:
        """The ledger row for this webhook, its reply encrypted: made before the write transaction."""
        return dict(sid_index=key, kind=kind,
                    reply=self.lockbox.lock("reply", request_secret(form), key, reply.encode()),
                    delete_after=coarse_hour() + dt.timedelta(hours=KEEP_HOURS + 1))

    def add(self, session: AsyncSession, key: str, kind: str, form: SignedForm, reply: str) -> None:
        """In the caller's transaction (the one that commits the effect): a second one fails on UNIQUE."""
        session.add(TwilioWebhook(**self.row(key, kind, form, reply)))

    async def insert(self, session: AsyncSession, row: dict[str, object]) -> None:
        """``add`` for a ``row`` made ahead, as one Core insert: for write transactions that must be short."""
        await session.execute(self.insert_write(row).statement)

    def insert_write(self, row: dict[str, object]) -> Write:
        """``insert`` for ``Database.write_all``: a second delivery's transaction fails on UNIQUE."""
        return Write(INSERT_ROW, {f"w_{name}": value for name, value in row.items()})

    async def wait_for_reply(self, key: str, form: SignedForm, seconds: float) -> str | None:
        """Another process is handling this webhook right now: its reply, once committed (or ``None``)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            reply = await self.stored_reply(key, form)
            if reply is not None:
                return reply
            await asyncio.sleep(POLL_SECONDS)
        return None
