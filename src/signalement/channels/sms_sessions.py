"""Where an SMS conversation waits between texts: one encrypted row per phone number.

The row is found by the number's blind index and its state is encrypted under a key derived
from the blind-index key and the number (``channels.lockbox``). The reporter's own words are not in
it: each text of the story is sealed to the directorate before the state is written. The state
carries its own exact idle deadline; the clear ``delete_after`` is rounded up to the hour.
Concurrent texts from one number (ten in a second) are serialised per number in this process, and
a version number catches a second replica writing in between.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Mapping
from typing import Any, cast

import msgspec
from sqlalchemy import Select, Table, bindparam, delete, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.channels.lockbox import Lockbox, LockedValueError
from signalement.channels.locks import KeyedLocks
from signalement.channels.sms_flow import Step
from signalement.db.engine import Database, Write
from signalement.db.models import SmsSession, coarse_hour, utcnow
from signalement.intake import SealedStoryPart

SESSIONS = cast(Table, SmsSession.__table__)
# The write statements, built once (``Database.write_all`` compiles each once per process).
DELETE_ROW = delete(SESSIONS).where(SESSIONS.c.phone_index == bindparam("w_index"))
INSERT_ROW = insert(SESSIONS).values(phone_index=bindparam("w_index"), version=1, state=bindparam("w_state"),
                                     delete_after=bindparam("w_delete_after"))
UPDATE_ROW = (update(SESSIONS)
              .where(SESSIONS.c.phone_index == bindparam("w_index"), SESSIONS.c.version == bindparam("w_version"))
              .values(state=bindparam("w_state"), version=bindparam("w_next"),
                      delete_after=bindparam("w_delete_after")))


class FollowupKey(msgspec.Struct, frozen=True, kw_only=True):
    """The follow-up access a code and secret opened, kept (encrypted) for the idle period."""

    case_id: str
    suite: str
    private: bytes


class Conversation(msgspec.Struct, kw_only=True):
    """Everything a conversation has gathered so far. Only ever stored encrypted."""

    step: Step = Step.START
    language: str = "en"
    categories: tuple[str, ...] = ()
    danger_now: str = "no"
    province: str | None = None
    employer: str = ""
    # The reporter's own words, each text sealed to the directorate as it arrived (for ``case_id``):
    # this state never holds them in clear, and the intake tier cannot read them back.
    story: list[SealedStoryPart] = msgspec.field(default_factory=list)
    story_chars: int = 0  # how long the story is so far (with separators), to keep it under the limit
    sms_contact: bool = False
    followup: FollowupKey | None = None
    case_id: str | None = None  # chosen at the first text of the story or photo: both are bound to it
    evidence_ids: tuple[str, ...] = ()  # photos queued for the worker, attached when the report is filed
    idle_until: float = 0.0  # Unix time; inside the encrypted state, never a clear column


class StaleSessionError(Exception):
    """Another replica changed this conversation between our read and our write."""


class Loaded(msgspec.Struct, kw_only=True):
    conversation: Conversation
    index: str  # the row's key under the current blind-index key
    version: int | None  # None: no row yet
    timed_out: bool = False
    old_index: str | None = None  # a row found under an older key, replaced on save


class SessionWrite(msgspec.Struct, kw_only=True):
    """A conversation's row, encrypted ahead of its write transaction (``state`` None: delete it)."""

    loaded: Loaded
    state: bytes | None = None
    delete_after: dt.datetime | None = None


class SessionStore:
    def __init__(self, db: Database, lockbox: Lockbox, idle_minutes: int) -> None:
        self.db = db
        self.lockbox = lockbox
        self.idle = dt.timedelta(minutes=idle_minutes)
        self._locks = KeyedLocks()

    def lock_for(self, e164: str) -> asyncio.Lock:
        """One conversation step at a time per number in this process."""
        return self._locks.get(self.lockbox.phone_index(e164))

    def lookup(self, e164: str) -> Select[str, bytes, int]:
        """The query for the number's rows, under every blind-index key: ``phone_index, state, version`` (the
        shape of ``ReplayLedger.lookup``, so a caller can read both in one statement)."""
        return (select(SESSIONS.c.phone_index, SESSIONS.c.state, SESSIONS.c.version)
                .where(SESSIONS.c.phone_index.in_(self.lockbox.phone_indexes(e164))))

    def loaded(self, e164: str, found: Mapping[str, tuple[int, bytes]]) -> Loaded:
        """The number's conversation (a fresh one if none, or if it timed out) from the rows ``lookup`` found
        (``phone_index`` → version, state)."""
        current = self.lockbox.phone_index(e164)
        for index in self.lockbox.phone_indexes(e164):
            if index not in found:
                continue
            version, blob = found[index]
            try:
                state = msgspec.msgpack.decode(self.lockbox.unlock("sms-session", e164, index, blob), type=Conversation)
            except (LockedValueError, msgspec.DecodeError):
                return Loaded(conversation=Conversation(), index=current, version=version, old_index=index)
            if state.idle_until < time.time():
                return Loaded(conversation=Conversation(language=state.language), index=current,
                              version=version, timed_out=True, old_index=index)
            return Loaded(conversation=state, index=current, version=version,
                          old_index=index if index != current else None)
        return Loaded(conversation=Conversation(), index=current, version=None)

    def seal(self, e164: str, loaded: Loaded, state: Conversation) -> SessionWrite:
        """The encrypted row for ``state``, made before the caller takes the write lock (``write``)."""
        if state.step in (Step.ENDED, Step.START):
            return SessionWrite(loaded=loaded)
        deadline = utcnow() + self.idle
        state.idle_until = deadline.timestamp()
        blob = self.lockbox.lock("sms-session", e164, loaded.index, msgspec.msgpack.encode(state))
        return SessionWrite(loaded=loaded, state=blob, delete_after=coarse_hour(deadline) + dt.timedelta(hours=1))

    def writes(self, row: SessionWrite) -> list[Write]:
        """The statements that write (or delete, when the conversation ended) ``row``, for ``Database.write_all``:
        one for a conversation under way, whose version check raises ``StaleSessionError`` if another replica
        moved it meanwhile."""
        loaded = row.loaded
        out: list[Write] = []
        if loaded.old_index is not None and loaded.old_index != loaded.index:
            out.append(Write(DELETE_ROW, {"w_index": loaded.old_index}))
            loaded = msgspec.structs.replace(loaded, version=None, old_index=None)
        if row.state is None:
            out.append(Write(DELETE_ROW, {"w_index": loaded.index}))
        elif loaded.version is None:
            out.append(Write(INSERT_ROW, {"w_index": loaded.index, "w_state": row.state,
                                          "w_delete_after": row.delete_after}))
        else:
            out.append(Write(UPDATE_ROW, {"w_index": loaded.index, "w_version": loaded.version,
                                          "w_next": loaded.version + 1, "w_state": row.state,
                                          "w_delete_after": row.delete_after}, required=StaleSessionError))
        return out

    async def write(self, session: AsyncSession, row: SessionWrite) -> None:
        """``writes`` in the caller's transaction. ``StaleSessionError`` if another replica moved it meanwhile."""
        for write in self.writes(row):
            result = cast(CursorResult[Any], await session.execute(write.statement, write.params))
            if not result.rowcount and write.required is not None:
                raise write.required

    async def save(self, session: AsyncSession, e164: str, loaded: Loaded, state: Conversation) -> None:
        """Write (or delete, when the conversation ended) in the caller's transaction."""
        await self.write(session, self.seal(e164, loaded, state))

    async def purge(self, e164: str) -> None:
        """STOP: every row this number has, under every key, now."""
        async with self.db.writing() as session:
            indexes = self.lockbox.phone_indexes(e164)
            await session.execute(delete(SmsSession).where(SmsSession.phone_index.in_(indexes)))
            await session.commit()
