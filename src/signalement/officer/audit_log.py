"""Reading the audit log in the workspace: filters, newest first, keyset pagination on ``seq``.

Reading the log is itself recorded only when the chain is verified from
the workspace; browsing entries shows metadata that is already about
accountability, never content.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import audit
from signalement.db.models import AuditEntry, Case, Officer
from signalement.receipts import parse_code
from signalement.runtime import Runtime
from signalement.staff.access import Principal

PAGE = 100


class AuditFilter(msgspec.Struct, frozen=True, kw_only=True):
    actor: str | None = None  # a username, exactly (the API's filter)
    officer: str | None = None  # part of a username or display name, any case (the page's "Who")
    case_code: str | None = None  # as the reporter or a colleague reads it out: spaces and dashes allowed
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
    case_code: str | None = None  # the case's code, for entries about a case


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


async def _conditions(session: AsyncSession, f: AuditFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.actor:
        conds.append(AuditEntry.actor == f.actor)
    if f.officer:
        # Names live in the officers table, the log holds usernames: find the accounts, then their entries.
        typed = f.officer.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        needle = f"%{typed}%"
        usernames = (await session.execute(select(Officer.username).where(or_(
            func.lower(Officer.username).like(needle, escape="\\"),
            func.lower(Officer.display_name).like(needle, escape="\\"),
        )))).scalars().all()
        conds.append(AuditEntry.actor.in_(usernames) if usernames else false())
    if f.case_code:
        code = parse_code(f.case_code)
        case_id = await session.scalar(select(Case.id).where(Case.case_code == code)) if code else None
        conds.extend((AuditEntry.object_type == "case", AuditEntry.object_id == case_id) if case_id else (false(),))
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
        conds = await _conditions(session, f)
        rows = (
            (
                await session.execute(
                    select(AuditEntry).where(*conds).order_by(AuditEntry.seq.desc()).limit(limit + 1)
                )
            )
            .scalars()
            .all()
        )
        case_ids = {e.object_id for e in rows[:limit] if e.object_type == "case"}
        codes = dict((await session.execute(select(Case.id, Case.case_code).where(Case.id.in_(case_ids)))).all())
    entries = tuple(
        AuditRow(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            detail=dict(e.detail or {}),
            case_code=codes.get(e.object_id) if e.object_type == "case" else None,
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
