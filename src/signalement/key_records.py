"""Bookkeeping rows for key epochs (``key_epochs``): when each was made and when it may be destroyed.

The keys themselves are in the key store (``vault.epochs``); these rows say
what the database knows about them, for ``keys status``, rotation and purge.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from signalement.db.models import KeyEpoch


async def record_epoch(session: AsyncSession, kid: str, purpose: str, destroy_after: dt.datetime | None = None) -> None:
    """Bookkeeping row for an epoch (the key itself is in the key store)."""
    if await session.get(KeyEpoch, kid) is None:
        session.add(KeyEpoch(key_id=kid, purpose=purpose, destroy_after=destroy_after))
