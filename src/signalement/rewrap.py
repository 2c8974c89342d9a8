"""Moving sealed values off old directorate epochs, done by whoever holds the master key right now.

An old epoch can only be destroyed once nothing live is sealed to it, and moving a value means opening it,
which needs the master key. The first release queued an outbox job carrying the old epoch's private key
sealed to the worker: every database backup taken before the job ran then held that key, openable by anyone
who also had the worker's key file. Now no epoch key ever goes into the database. Values move:

* during ``signalement keys rotate``, with the master key the admin's password and TOTP just opened;
* at every sign-in of an account whose credential holds the master key, a bounded batch
  (``SIGN_IN_BUDGET_SECONDS``), so that the epochs the worker makes on schedule are emptied in the course
  of ordinary work without anyone rotating by hand.

Attachment bodies are never re-encrypted: only their 32-byte data keys move.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import select

from signalement.ciphertext_fields import reseal_batch
from signalement.db.models import KeyEpoch
from signalement.runtime import Runtime
from signalement.vault import epochs
from signalement.vault.envelope import SealedValueError
from signalement.vault.unseal import PrivateKeyring

logger = logging.getLogger("signalement.rewrap")
SIGN_IN_BUDGET_SECONDS = 2.0
BATCH = 200


async def old_epochs(runtime: Runtime) -> list[str]:
    """Directorate epochs other than the current one that still exist (they may still protect values)."""
    runtime.public_keys.refresh()
    current = runtime.public_keys.current.key_id
    async with runtime.db.reading() as session:
        rows = await session.execute(
            select(KeyEpoch.key_id).where(KeyEpoch.purpose == epochs.DIRECTORATE, KeyEpoch.destroyed_at.is_(None),
                                          KeyEpoch.key_id != current)
        )
        return [kid for kid in rows.scalars() if runtime.keystore.sealed_path(kid).exists()]


async def rewrap_old_epochs(runtime: Runtime, keyring: PrivateKeyring, *, budget_seconds: float | None = None) -> int:
    """Move values from every old directorate epoch to the current one, a batch per transaction.

    With ``budget_seconds`` it stops after that long (sign-in); without, it runs until nothing is left
    (``keys rotate``). Returns how many values moved.
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    recipient = runtime.public_keys.current
    total = 0
    for kid in await old_epochs(runtime):
        while deadline is None or time.monotonic() < deadline:
            async with runtime.db.writing() as session:
                moved = await reseal_batch(session, kid, keyring.open, recipient, limit=BATCH)
                await session.commit()
            total += moved
            if moved < BATCH:
                break
    return total


async def rewrap_at_sign_in(runtime: Runtime, keyring: PrivateKeyring) -> int:
    """A bounded re-wrap pass for a signing-in key holder. Never fails the sign-in."""
    try:
        moved = await rewrap_old_epochs(runtime, keyring, budget_seconds=SIGN_IN_BUDGET_SECONDS)
    except SealedValueError:
        logger.warning("rewrap_failed", extra={"reason": "a value does not open with its epoch key"})
        return 0
    if moved:
        logger.info("rewrap_progress", extra={"moved": moved})
    return moved
