"""Deleting what the channels keep only for a while: idle SMS conversations, calls, old replay rows.

Runs from the web process's housekeeping tick (``app``), so a deployment without a worker still
forgets. A conversation row is also ignored as soon as its exact (encrypted) deadline passes; this
removes the row itself within the hour after.
"""

from __future__ import annotations

from sqlalchemy import delete

from signalement.db.engine import Database, rows_affected
from signalement.db.models import SmsSession, TwilioWebhook, VoiceCall, utcnow


async def forget_expired(db: Database) -> int:
    """Delete expired conversation and replay rows; returns how many went."""
    now = utcnow()
    async with db.writing() as session:
        gone = await rows_affected(session, delete(SmsSession).where(SmsSession.delete_after < now))
        gone += await rows_affected(session, delete(VoiceCall).where(VoiceCall.delete_after < now))
        gone += await rows_affected(session, delete(TwilioWebhook).where(TwilioWebhook.delete_after < now))
        await session.commit()
    return gone
