"""Encrypted evidence in the database: written by intake, read back by the officer tier.

The body is encrypted chunk by chunk (``vault.stream``) as it is written, so
no plaintext byte of a photo reaches the database or a temporary file; each
64 KiB chunk is one row, so reading streams with bounded memory too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signalement.ciphertext_fields import evidence_binding, evidence_key_field
from signalement.db.engine import Database
from signalement.db.models import Case, Evidence, EvidenceChunk, coarse_hour, new_id
from signalement.vault.keystore import PublicKey
from signalement.vault.seal import seal
from signalement.vault.stream import StreamDecryptor, StreamEncryptor, StreamError, new_data_key


async def write_evidence(session: AsyncSession, recipient: PublicKey, *, case_id: str, attached: bool,
                         body: Iterable[bytes], kind: str, content_type: str, size: int,
                         evidence_id: str | None = None) -> Evidence:
    """Encrypt and store one file in the caller's transaction. ``case_id`` may be a draft's future id;
    ``evidence_id`` is chosen in advance when the file is fetched later (an MMS photo, by the worker)."""
    evidence_id = evidence_id or new_id()
    key = new_data_key()
    enc = StreamEncryptor(key, evidence_binding(case_id, evidence_id))
    row = Evidence(
        id=evidence_id, case_id=case_id if attached else None, draft_case_id=case_id, kind=kind,
        content_type=content_type, size=size, staged_at=coarse_hour(), key_id=recipient.key_id,
        key_envelope=seal(key, recipient, case_id=case_id, field=evidence_key_field(evidence_id)),
        stream_header=enc.header,
    )
    session.add(row)
    await session.flush()
    for seq, chunk in enumerate(enc.encrypt(body)):
        session.add(EvidenceChunk(evidence_id=evidence_id, seq=seq, data=chunk))
        if seq % 16 == 15:
            await session.flush()  # keep the session's pending rows bounded
    await session.flush()
    return row


async def read_evidence(db: Database, evidence: Evidence, data_key: bytes, *, batch: int = 16) -> AsyncIterator[bytes]:
    """Decrypt an attachment, a few chunks per query. ``data_key`` comes from opening ``key_envelope``.

    Raises ``StreamError`` (after yielding the genuine prefix) if the stored file was cut or altered.
    """
    dec = StreamDecryptor(data_key, evidence.stream_header,
                          evidence_binding(evidence.case_id or evidence.draft_case_id, evidence.id))
    last = -1
    while True:
        async with db.reading() as session:
            rows = (await session.execute(
                select(EvidenceChunk.seq, EvidenceChunk.data)
                .where(EvidenceChunk.evidence_id == evidence.id, EvidenceChunk.seq > last)
                .order_by(EvidenceChunk.seq).limit(batch)
            )).all()
        if not rows:
            break
        for seq, data in rows:
            if seq != last + 1:
                raise StreamError("attachment is missing a chunk")
            last = seq
            yield dec.feed(data)
    dec.finish()


async def discard_staged(db: Database, draft_case_id: str, evidence_id: str) -> None:
    """Delete a file staged for a draft that has not been sent, now rather than at the 24-hour purge.

    Only a staged file (no case yet) of that very draft: a forged id cannot touch anyone's evidence.
    """
    async with db.writing() as session:
        owned = (
            Evidence.id == evidence_id,
            Evidence.draft_case_id == draft_case_id,
            Evidence.case_id.is_(None),
        )
        if await session.scalar(select(Evidence.id).where(*owned)) is not None:
            await session.execute(delete(EvidenceChunk).where(EvidenceChunk.evidence_id == evidence_id))
            await session.execute(delete(Evidence).where(*owned))
        await session.commit()


async def attach_if_filed(session: AsyncSession, draft_case_id: str) -> None:
    """In the caller's transaction: attach files staged for ``draft_case_id`` if that case now exists.

    For files fetched while the report is being written (MMS photos): the worker stores each one
    staged and runs this afterwards, and the channel runs it again after filing. Whichever commits
    last sees the other's work, so a photo that arrives as the report is filed is not left staged.
    """
    await session.execute(
        update(Evidence)
        .where(Evidence.draft_case_id == draft_case_id, Evidence.case_id.is_(None),
               exists().where(Case.id == draft_case_id))
        .values(case_id=draft_case_id)
    )


async def discard_draft(session: AsyncSession, draft_case_id: str) -> None:
    """In the caller's transaction: every file still staged for a draft the reporter deleted (cancel, STOP)."""
    staged = select(Evidence.id).where(Evidence.draft_case_id == draft_case_id, Evidence.case_id.is_(None))
    await session.execute(delete(EvidenceChunk).where(EvidenceChunk.evidence_id.in_(staged)))
    await session.execute(delete(Evidence).where(Evidence.draft_case_id == draft_case_id, Evidence.case_id.is_(None)))


async def files_on_case(db: Database, case_id: str) -> int:
    """How many files a case has (the per-case limit counts every channel's)."""
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Evidence)
                                        .where(Evidence.case_id == case_id)) or 0)
