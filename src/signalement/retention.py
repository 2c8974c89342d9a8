"""Retention by crypto-shredding.

When a case closes, everything sealed in it moves to the *retention epoch*
of its closure quarter (``r2026q4``). When that quarter's retention period
ends, ``purge`` deletes the rows and destroys the epoch's private key. The
rows in every backup taken before then are still there, but nothing can
open them any more: that is the point.

A case on legal hold lives under a *hold epoch* instead, which purge never
destroys; lifting the hold moves it back to a retention epoch.

Purge never needs to open anything, so the worker and the CLI can run it
without any officer's key. It also drops outbound texts that could not be
sent within ``SIGNALEMENT_OUTBOX_EXPIRY_HOURS``, erasing their payloads.

What a database backup is worth, in days, is in docs/retention.md: with
scheduled epochs (``SIGNALEMENT_EPOCH_DAYS``) and the backup window, a
backup's directorate-sealed values become unreadable at most
``epoch_days + backup_window_days`` after it was taken.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import audit
from signalement.ciphertext_fields import count_by_key, reseal_case
from signalement.db.engine import rows_affected
from signalement.db.models import Case, Evidence, KeyEpoch, OutboxJob, utcnow
from signalement.key_records import record_epoch
from signalement.runtime import Runtime
from signalement.vault import epochs
from signalement.vault.keystore import PublicKey
from signalement.vault.unseal import PrivateKeyring

HOLD = "hold"


class PurgeReport(msgspec.Struct, frozen=True):
    cases_deleted: int
    staged_evidence_deleted: int
    epochs_destroyed: tuple[str, ...]
    epochs_kept: tuple[str, ...]


def _hold_epoch(runtime: Runtime, moment: dt.datetime) -> PublicKey:
    kid = f"h{moment.year}"
    store = runtime.keystore
    if store.public_path(kid).exists():
        return store.epoch_public(kid)
    try:
        return epochs.create_epoch(store, kid, HOLD)
    except FileExistsError:
        return store.epoch_public(kid)


async def seal_for_closure(runtime: Runtime, session: AsyncSession, case: Case, keyring: PrivateKeyring) -> str:
    """Re-seal a closing case under its retention (or hold) epoch; set when it may be purged.

    Called by the officer tier inside the transaction that closes the case.
    """
    now = utcnow()
    closed_at = case.closed_at or now
    if case.legal_hold:
        target = _hold_epoch(runtime, now)
        await record_epoch(session, target.key_id, HOLD)
        case.purge_after = None
    else:
        target = epochs.ensure_retention_epoch(runtime.keystore, closed_at)
        expires = epochs.quarter_end(closed_at) + dt.timedelta(days=runtime.settings.retention_days)
        await record_epoch(session, target.key_id, epochs.RETENTION, destroy_after=expires)
        case.purge_after = expires
    await reseal_case(session, case.id, keyring.open, target)
    return target.key_id


async def set_legal_hold(
    runtime: Runtime, session: AsyncSession, case: Case, on: bool, keyring: PrivateKeyring
) -> None:
    """Legal hold: a closed case moves to the hold epoch (or back to retention when lifted)."""
    case.legal_hold = on
    if not case.is_open:
        await seal_for_closure(runtime, session, case, keyring)


async def purge(runtime: Runtime, *, now: dt.datetime | None = None, actor: str = "purge") -> PurgeReport:
    """Delete expired cases and staged uploads; destroy epoch keys whose time has come."""
    now = now or utcnow()
    settings = runtime.settings
    store = runtime.keystore
    staged_cutoff = now - dt.timedelta(hours=settings.staged_evidence_hours)
    async with runtime.db.writing() as session:
        expired = (await session.execute(
            select(Case.id).where(Case.purge_after <= now, Case.legal_hold.is_(False), Case.is_open.is_(False))
        )).scalars().all()
        for i in range(0, len(expired), 500):
            await session.execute(delete(Case).where(Case.id.in_(expired[i : i + 500])))
        staged = await rows_affected(
            session, delete(Evidence).where(Evidence.case_id.is_(None), Evidence.staged_at < staged_cutoff)
        )
        # A text that could not be sent in time is dropped, and the phone number with it: a pending job must
        # not keep a reporter's number in the database (and its backups) for as long as Twilio is down.
        await session.execute(
            update(OutboxJob)
            .where(OutboxJob.status == "pending", OutboxJob.payload != b"",
                   OutboxJob.created_at < now - dt.timedelta(hours=settings.outbox_expiry_hours))
            .values(status="failed", payload=b"", last_error="Expired", locked_until=None)
        )
        await session.flush()
        live = await count_by_key(session)
        current = store.current_kid()
        destroyed, kept = [], []
        due = (await session.execute(
            select(KeyEpoch).where(KeyEpoch.destroyed_at.is_(None), KeyEpoch.destroy_after <= now,
                                   KeyEpoch.purpose.in_((epochs.RETENTION, epochs.DIRECTORATE)))
        )).scalars().all()
        for epoch in due:
            if epoch.key_id == current or live.get(epoch.key_id):
                # Still protecting live data (a re-wrap not yet finished, a hold lifted late): keep it.
                kept.append(epoch.key_id)
                continue
            epochs.destroy_epoch(store, epoch.key_id)
            epoch.destroyed_at = now
            destroyed.append(epoch.key_id)
        report = PurgeReport(cases_deleted=len(expired), staged_evidence_deleted=staged,
                             epochs_destroyed=tuple(destroyed), epochs_kept=tuple(kept))
        await audit.append(session, runtime.audit_keys, actor=actor, action="retention.purge",
                           detail={"cases": report.cases_deleted, "staged": report.staged_evidence_deleted,
                                   "destroyed": list(destroyed)})
        await session.commit()
    return report
