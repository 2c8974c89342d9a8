"""Where a phone call waits between webhooks: one encrypted row per call, keyed on its CallSid.

The row is found by a keyed HMAC of the CallSid, never the SID (Twilio's call log links it to the
caller's number), and its state is encrypted under a key derived from the blind-index key and the
CallSid (``channels.lockbox``). Nothing about the caller is kept: callers with hidden numbers work
the same. Webhooks of one call are serialised per call in this process, and a version number
catches a second replica writing in between.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import msgspec
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.channels.lockbox import Lockbox, LockedValueError
from signalement.channels.locks import KeyedLocks
from signalement.channels.voice_flow import Step
from signalement.db.models import VoiceCall, coarse_hour, utcnow

# Twilio ends a call after 4 hours; a call row idle this long belongs to a call that is over.
IDLE = dt.timedelta(minutes=30)


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    """What is read back after filing, until the call ends (decision 0012)."""

    code: str
    secret: str


class CallState(msgspec.Struct, kw_only=True):
    """Everything a call has gathered so far. Only ever stored encrypted."""

    step: Step = Step.LANGUAGE
    turn: int = 0  # the number in every action URL we hand Twilio: CallSid + turn is one webhook
    language: str = "en"
    categories: tuple[str, ...] = ()
    danger_now: str = "no"
    province: str | None = None
    misses: int = 0  # garbage or silence in a row at this question
    last_event: str = ""  # how the call got to this step (what the next prompt says first)
    recorded: bool = False  # a statement recording exists (the worker fetches it and deletes the call log)
    receipt: Receipt | None = None
    code: str = ""  # follow-up: the case code typed, until the secret
    status: str = ""  # follow-up: what was read, to read it again
    officer_messages: int = 0
    idle_until: float = 0.0


class StaleCallError(Exception):
    """Another replica changed this call between our read and our write."""


class Loaded(msgspec.Struct, kw_only=True):
    state: CallState
    index: str
    version: int | None  # None: no row yet


class CallStore:
    def __init__(self, lockbox: Lockbox) -> None:
        self.lockbox = lockbox
        self._locks = KeyedLocks()

    def index(self, call_sid: str) -> str:
        return self.lockbox.sid_index("call", call_sid)

    def lock_for(self, call_sid: str) -> asyncio.Lock:
        """One webhook at a time per call in this process."""
        return self._locks.get(self.index(call_sid))

    async def load(self, call_sid: str, session: AsyncSession) -> Loaded | None:
        """The call's state, or ``None`` if there is none (never started, over, or unreadable)."""
        index = self.index(call_sid)
        row = await session.get(VoiceCall, index)
        if row is None:
            return None
        try:
            state = msgspec.msgpack.decode(self.lockbox.unlock("voice-call", call_sid, index, row.state),
                                           type=CallState)
        except (LockedValueError, msgspec.DecodeError):
            return None
        if state.idle_until < time.time():
            return None
        return Loaded(state=state, index=index, version=row.version)

    async def save(self, session: AsyncSession, call_sid: str, loaded: Loaded, state: CallState) -> None:
        """Write (or delete, once the call ended) in the caller's transaction."""
        if state.step is Step.ENDED:
            await session.execute(delete(VoiceCall).where(VoiceCall.call_index == loaded.index))
            return
        deadline = utcnow() + IDLE
        state.idle_until = deadline.timestamp()
        blob = self.lockbox.lock("voice-call", call_sid, loaded.index, msgspec.msgpack.encode(state))
        delete_after = coarse_hour(deadline) + dt.timedelta(hours=1)
        if loaded.version is None:
            row = await session.scalar(select(VoiceCall.version).where(VoiceCall.call_index == loaded.index))
            if row is not None:  # an expired or unreadable row of this call: take its place
                await session.execute(delete(VoiceCall).where(VoiceCall.call_index == loaded.index))
            session.add(VoiceCall(call_index=loaded.index, version=1, state=blob, delete_after=delete_after))
            return
        result = await session.execute(
            update(VoiceCall).where(VoiceCall.call_index == loaded.index, VoiceCall.version == loaded.version)
            .values(state=blob, version=loaded.version + 1, delete_after=delete_after)
        )
        if not getattr(result, "rowcount", 0):
            raise StaleCallError
