"""Reading what the metrics recorder counted: flush it into the database, then read the aggregate cells."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from signalement.db.engine import Database
from signalement.db.models import FunnelCount


async def flushed_counts(stack: Any, db: Database) -> list[FunnelCount]:
    """Every aggregate cell, after writing what the app's recorder holds in memory."""
    await stack.runtime.recorder.flush(db)
    async with db.reading() as s:
        return list((await s.execute(select(FunnelCount))).scalars().all())


def totals(rows: list[FunnelCount], **match: str) -> int:
    return sum(r.count for r in rows if all(getattr(r, k) == v for k, v in match.items()))
