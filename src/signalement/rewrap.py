"""The re-wrap job: after a rotation, the worker moves every sealed value off an old directorate epoch.

``keyceremony.rotate`` queues one ``vault.rewrap`` job per older epoch. The
job carries the old epoch's private key sealed to the worker, because the
worker holds no master key; its payload is erased when it finishes.
Attachment bodies are never re-encrypted: only their 32-byte data keys move.
"""

from __future__ import annotations

import msgspec

from signalement.ciphertext_fields import reseal_batch
from signalement.runtime import Runtime
from signalement.vault.opening import open_with, private_key_from_bytes
from signalement.vault.seal import seal
from signalement.vault.suites import SuiteName

REWRAP_JOB = "vault.rewrap"


class RewrapPayload(msgspec.Struct, frozen=True):
    old_key_id: str
    suite: str
    private: bytes


def seal_rewrap_payload(runtime: Runtime, old_kid: str, suite: SuiteName, private: bytes) -> bytes:
    body = msgspec.msgpack.encode(RewrapPayload(old_key_id=old_kid, suite=suite.value, private=private))
    return seal(body, runtime.public_keys.worker, case_id="outbox", field=f"{REWRAP_JOB}:{old_kid}")


async def run_rewrap(runtime: Runtime, payload: RewrapPayload, *, batch: int = 200) -> int:
    """Worker side: move every value off the old epoch, a batch per transaction. Returns how many."""
    suite = SuiteName(payload.suite)
    private = private_key_from_bytes(suite, payload.private)

    def opener(raw: bytes, *, case_id: str, field: str) -> bytes:
        return open_with(raw, private, suite, payload.old_key_id, case_id=case_id, field=field)

    runtime.public_keys.refresh()
    recipient = runtime.public_keys.current
    total = 0
    while True:
        async with runtime.db.writing() as session:
            moved = await reseal_batch(session, payload.old_key_id, opener, recipient, limit=batch)
            await session.commit()
        total += moved
        if moved < batch:
            return total
