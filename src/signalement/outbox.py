"""The transactional outbox: work that must happen after a commit, exactly as committed.

A change that needs follow-up work (text the reporter, rotate an epoch) writes an
``OutboxJob`` row in the same transaction. If the transaction rolls back,
the job never existed; if it commits, the worker will run it, retrying with
backoff. Jobs that carry something sensitive (a phone number) carry it sealed
to the worker's key, and their payload is erased when they finish or expire.
No key is ever put in a payload: every database backup would keep it.

On PostgreSQL, workers claim with ``FOR UPDATE SKIP LOCKED`` so any number of
them can run without doing a job twice. On SQLite there is one worker.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import cast

import msgspec
from sqlalchemy import Insert, Table, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.db.engine import Database, Write
from signalement.db.models import OutboxJob, utcnow

LEASE_SECONDS = 300
MAX_BACKOFF_SECONDS = 3600


async def enqueue(session: AsyncSession, kind: str, payload: bytes = b"", *, dedupe_key: str | None = None,
                  run_after: dt.datetime | None = None) -> OutboxJob | None:
    """Add a job in the caller's transaction. With ``dedupe_key``, a second identical job is skipped."""
    job = OutboxJob(kind=kind, payload=payload, dedupe_key=dedupe_key, run_after=run_after or utcnow())
    if dedupe_key is None:
        session.add(job)
        await session.flush()
        return job
    # A savepoint, so a duplicate (another worker got there first) does not spoil the caller's transaction.
    try:
        async with session.begin_nested():
            session.add(job)
    except IntegrityError:
        return None
    return job


class SealedJob(msgspec.Struct, frozen=True, kw_only=True):
    """A job whose payload was sealed ahead, so a hot transaction only has to insert it (``enqueue_once``)."""

    kind: str
    payload: bytes
    dedupe_key: str
    run_after: dt.datetime


async def enqueue_once(session: AsyncSession, job: SealedJob) -> None:
    """Add a job in the caller's transaction, skipped if its ``dedupe_key`` is already queued: one
    ``INSERT .. ON CONFLICT DO NOTHING``, no savepoint and no unit of work, for the webhooks' write
    transactions (the SQLite writer is shared by every conversation while they run)."""
    await session.execute(_insert_once(session.get_bind().dialect.name), _once_params(job))


def enqueue_once_write(job: SealedJob, dialect: str) -> Write:
    """``enqueue_once`` for ``Database.write_all``: a constant statement (compiled once) and its values."""
    return Write(_insert_once(dialect), _once_params(job))


def _once_params(job: SealedJob) -> dict[str, object]:
    return {"j_kind": job.kind, "j_payload": job.payload, "j_dedupe_key": job.dedupe_key,
            "j_run_after": job.run_after, "j_created_at": utcnow()}


@functools.cache
def _insert_once(dialect: str) -> Insert:
    table = cast(Table, OutboxJob.__table__)
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).values(
        kind=bindparam("j_kind"), payload=bindparam("j_payload"), dedupe_key=bindparam("j_dedupe_key"),
        status="pending", attempts=0, run_after=bindparam("j_run_after"), created_at=bindparam("j_created_at"),
    ).on_conflict_do_nothing(index_elements=[table.c.dedupe_key])


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(MAX_BACKOFF_SECONDS, 5 * 2 ** max(0, attempts - 1)))


async def claim(db: Database, *, limit: int = 10, lease_seconds: int = LEASE_SECONDS) -> list[OutboxJob]:
    """Lease up to ``limit`` due jobs to this worker, in their own committed transaction."""
    now = utcnow()
    async with db.writing() as session:
        query = (
            select(OutboxJob)
            .where(OutboxJob.status == "pending", OutboxJob.run_after <= now,
                   or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until < now))
            .order_by(OutboxJob.id)
            .limit(limit)
        )
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        jobs = list((await session.execute(query)).scalars())
        for job in jobs:
            job.locked_until = now + dt.timedelta(seconds=lease_seconds)
            job.attempts += 1
        await session.commit()
        return jobs


async def complete(db: Database, job_id: int) -> None:
    async with db.writing() as session:
        await session.execute(
            update(OutboxJob).where(OutboxJob.id == job_id)
            .values(status="done", payload=b"", locked_until=None, last_error=None)
        )
        await session.commit()


async def fail(db: Database, job: OutboxJob, error_type: str, *, max_attempts: int) -> str:
    """Record a failure by exception *type* only; give up after ``max_attempts``. Returns the new status."""
    final = job.attempts >= max_attempts
    values: dict[str, object] = {"locked_until": None, "last_error": error_type[:64]}
    if final:
        values.update(status="failed", payload=b"")
    else:
        values.update(run_after=utcnow() + backoff(job.attempts))
    async with db.writing() as session:
        await session.execute(update(OutboxJob).where(OutboxJob.id == job.id).values(**values))
        await session.commit()
    return "failed" if final else "pending"
