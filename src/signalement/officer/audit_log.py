"""Reading the audit log in the workspace: filters, newest first, keyset pagination on ``seq``.

Reading the log is itself recorded only when the chain is verified from
the workspace; browsing entries shows metadata that is already about
accountability, never content.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from sqlalchemy import ColumnElement, select

from signalement import audit
from signalement.db.models import AuditEntry
from signalement.runtime import Runtime
from signalement.staff.access import Principal

PAGE = 100


class AuditFilter(msgspec.Struct, frozen=True, kw_only=True):
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." ("case.")
    object_type: str | None = None
    object_id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    before: int | None = None  # keyset: entries with seq < before
    limit: int = PAGE


class AuditRow(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, object]


class AuditPage(msgspec.Struct, frozen=True, kw_only=True):
    entries: tuple[AuditRow, ...]
    next_before: int | None


class ChainCheck(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    checked: int
    problems: tuple[str, ...]
    head_seq: int


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _conditions(f: AuditFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.actor:
        conds.append(AuditEntry.actor == f.actor)
    if f.action:
        conds.append(
            AuditEntry.action.startswith(f.action, autoescape=True)
            if f.action.endswith(".")
            else AuditEntry.action == f.action
        )
    if f.object_type:
        conds.append(AuditEntry.object_type == f.object_type)
    if f.object_id:
        conds.append(AuditEntry.object_id == f.object_id)
    if f.since:
        conds.append(AuditEntry.at >= _midnight(f.since))
    if f.until:
        conds.append(AuditEntry.at < _midnight(f.until) + dt.timedelta(days=1))
    if f.before is not None:
        conds.append(AuditEntry.seq < f.before)
    return conds


async def read_log(runtime: Runtime, f: AuditFilter) -> AuditPage:
    limit = max(1, min(f.limit, 500))
    async with runtime.db.reading() as session:
        rows = (
            (
                await session.execute(
                    select(AuditEntry).where(*_conditions(f)).order_by(AuditEntry.seq.desc()).limit(limit + 1)
                )
            )
            .scalars()
            .all()
        )
    entries = tuple(
        AuditRow(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            detail=dict(e.detail or {}),
        )
        for e in rows[:limit]
    )
    return AuditPage(entries=entries, next_before=entries[-1].seq if len(rows) > limit and entries else None)


async def verify_chain(runtime: Runtime, principal: Principal) -> ChainCheck:
    """Walk the whole chain (the CLI's ``audit verify``), then record that someone checked it."""
    async with runtime.db.reading() as session:
        result = await audit.verify(session, runtime.audit_keys)
    async with runtime.db.writing() as session:
        await audit.append(
            session,
            runtime.audit_keys,
            actor=principal.actor,
            action="audit.verify",
            object_type="audit",
            detail={"ok": result.ok, "checked": result.checked},
        )
        await session.commit()
    return ChainCheck(
        ok=result.ok, checked=result.checked, problems=result.problems[:50], head_seq=result.head_seq
    )
