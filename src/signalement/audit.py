"""The audit log: who did what to which object, when. Never what the object says.

Entries form a chain: each entry's MAC is HMAC-SHA256(audit key, previous MAC
| entry). Editing, deleting or reordering any entry breaks every MAC after
it, and without the audit key (held outside the database) nobody can forge
a consistent replacement chain. Cutting entries off the *end* leaves a
valid shorter chain; ``verify`` catches that when given an anchor (the last
sequence number and MAC, which the worker logs every hour to the log
pipeline, an independent witness).

Entries are appended in the same transaction as the change they record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import msgspec
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.db.models import AuditEntry, utcnow
from signalement.settings import KeyList

GENESIS = "0" * 64
_MAX_DETAIL_STR = 80


class AuditDetailError(ValueError):
    """Audit detail must be small scalars: identifiers and codes, never content."""


class VerifyResult(msgspec.Struct, frozen=True):
    ok: bool
    checked: int
    problems: tuple[str, ...]
    head_seq: int
    head_mac: str


def _canonical(seq: int, at: dt.datetime, actor: str, action: str, object_type: str, object_id: str,
               detail: dict[str, object], key_id: str, prev_mac: str) -> bytes:
    body = [seq, at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), actor, action, object_type,
            object_id, detail, key_id, prev_mac]
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _check_detail(detail: dict[str, object]) -> None:
    for key, value in detail.items():
        if not isinstance(key, str) or len(key) > 32:
            raise AuditDetailError(key)
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if isinstance(v, str) and len(v) > _MAX_DETAIL_STR:
                raise AuditDetailError(key)
            if not isinstance(v, str | int | bool | float | type(None)):
                raise AuditDetailError(key)


async def _lock_chain(session: AsyncSession) -> None:
    """Serialize appends. SQLite writers are already serialized (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))


async def append(session: AsyncSession, keys: KeyList, *, actor: str, action: str, object_type: str = "",
                 object_id: str = "", detail: dict[str, object] | None = None) -> AuditEntry:
    """Add an entry in the caller's transaction; the caller commits."""
    detail = dict(detail or {})
    _check_detail(detail)
    await _lock_chain(session)
    newest = select(AuditEntry.seq, AuditEntry.mac).order_by(AuditEntry.seq.desc()).limit(1)
    last = (await session.execute(newest)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utcnow()
    key_id, key = keys.current
    mac = _mac(key, _canonical(seq, at, actor, action, object_type, object_id, detail, key_id, prev))
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, object_type=object_type, object_id=object_id,
                       detail=detail, key_id=key_id, prev_mac=prev, mac=mac)
    session.add(entry)
    await session.flush()
    return entry


async def verify(session: AsyncSession, keys: KeyList, *, anchor: tuple[int, str] | None = None,
                 batch: int = 5000) -> VerifyResult:
    """Walk the whole chain; report every break. ``anchor`` is a (seq, mac) known from outside."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    checked = 0
    last_seq = 0
    while True:
        rows = (await session.execute(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch)
        )).scalars().all()
        if not rows:
            break
        for e in rows:
            checked += 1
            if e.seq != expected_seq:
                problems.append(f"entry {expected_seq} is missing (next is {e.seq})")
            if e.prev_mac != prev:
                problems.append(f"entry {e.seq} does not follow the entry before it")
            try:
                key = keys.get(e.key_id)
            except KeyError:
                problems.append(f"entry {e.seq} uses an unknown audit key {e.key_id!r}")
            else:
                want = _mac(key, _canonical(e.seq, e.at, e.actor, e.action, e.object_type, e.object_id,
                                            e.detail, e.key_id, e.prev_mac))
                if not hmac.compare_digest(want, e.mac):
                    problems.append(f"entry {e.seq} was altered")
            expected_seq, prev, last_seq = e.seq + 1, e.mac, e.seq
        session.expunge_all()
    head_seq = expected_seq - 1
    if anchor is not None:
        a_seq, a_mac = anchor
        if head_seq < a_seq:
            problems.append(f"the log ends at {head_seq} but the anchor says {a_seq} entries existed")
        else:
            at_anchor = (await session.execute(select(AuditEntry.mac).where(AuditEntry.seq == a_seq))).scalar()
            if at_anchor != a_mac:
                problems.append(f"entry {a_seq} does not match the anchor")
    return VerifyResult(ok=not problems, checked=checked, problems=tuple(problems), head_seq=head_seq, head_mac=prev)
