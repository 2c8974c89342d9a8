"""Bookkeeping rows for key epochs (``key_epochs``): when each was made and when it may be destroyed.

The keys themselves are in the key store (``vault.epochs``); these rows say
what the database knows about them, for ``keys status``, rotation and purge.
Rotation without a password (``rotate_directorate``) lives here too: the worker
runs it on schedule, and it needs only the master public key.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import audit
from signalement.db.models import KeyEpoch, utcnow
from signalement.runtime import Runtime
from signalement.vault import epochs


async def record_epoch(session: AsyncSession, kid: str, purpose: str, destroy_after: dt.datetime | None = None) -> None:
    """Bookkeeping row for an epoch (the key itself is in the key store)."""
    if await session.get(KeyEpoch, kid) is None:
        session.add(KeyEpoch(key_id=kid, purpose=purpose, destroy_after=destroy_after))


async def rotate_directorate(runtime: Runtime, *, actor: str, reason: str, now: dt.datetime | None = None) -> str:
    """Make a new directorate epoch current; older ones are to be destroyed after the backup window.

    Needs no password: the new private key is sealed to the master *public* key. The worker calls this on
    schedule (``SIGNALEMENT_EPOCH_DAYS``) so that a backup's values expire with their epoch even if nobody
    rotates by hand; ``keys rotate`` calls it and then re-wraps with the admin's master key.
    """
    now = now or utcnow()
    store = runtime.keystore
    previous = store.current_kid()
    new = epochs.create_epoch(store, epochs.new_directorate_kid(now.date()), epochs.DIRECTORATE)
    epochs.set_current(store, new.key_id)
    runtime.public_keys.refresh()
    retire_at = now + dt.timedelta(days=runtime.settings.backup_window_days)
    async with runtime.db.writing() as session:
        await record_epoch(session, new.key_id, epochs.DIRECTORATE)
        olds = (await session.execute(
            select(KeyEpoch).where(KeyEpoch.purpose == epochs.DIRECTORATE, KeyEpoch.destroyed_at.is_(None),
                                   KeyEpoch.key_id != new.key_id, KeyEpoch.destroy_after.is_(None))
        )).scalars().all()
        for epoch in olds:
            epoch.destroy_after = retire_at
        await audit.append(session, runtime.audit_keys, actor=actor, action="keys.rotate", object_type="key",
                           object_id=new.key_id, detail={"previous": previous, "reason": reason})
        await session.commit()
    return new.key_id


async def current_epoch_age(runtime: Runtime, now: dt.datetime | None = None) -> dt.timedelta | None:
    """How old the current directorate epoch is, by its bookkeeping row (``None`` if it has none)."""
    now = now or utcnow()
    async with runtime.db.reading() as session:
        current = runtime.keystore.current_kid()
        created = await session.scalar(select(KeyEpoch.created_at).where(KeyEpoch.key_id == current))
    return None if created is None else now - created
