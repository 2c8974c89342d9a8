"""Phone statements: fetched from Twilio by the worker, sealed to the case, then deleted at Twilio.

The voice channel's recording-status webhook queues a ``voice.recording`` job (the RecordingSid,
CallSid and the case's submission key, sealed to the worker key). The worker downloads the audio
from Twilio's REST API with HTTP Basic auth (account SID and auth token), never from the URL in
the webhook (an address chosen by whoever sent it), and writes it as an attachment of the case
with ``evidence_store.write_evidence``, the web evidence path: chunked AES-256-GCM under a data key
sealed to the directorate. In the same transaction it marks the job done and queues the deletion
of the recording and of the call log at Twilio, so a crash in between neither loses nor doubles it.
"""

from __future__ import annotations

import re
from typing import Protocol

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import outbox
from signalement.db.models import Case, OutboxJob
from signalement.evidence_store import write_evidence
from signalement.messaging import PurgeJob, download, queue_purge
from signalement.notify import OUTBOX_CASE
from signalement.runtime import Runtime
from signalement.settings import Settings
from signalement.vault.keystore import PublicKey
from signalement.vault.seal import seal

RECORDING_JOB = "voice.recording"
MAX_RECORDING_BYTES = 20 * 1024 * 1024  # 10 minutes of MP3 is a few MB: more raises MediaTooBigError
RECORDING_TIMEOUT = 60.0
CONTENT_TYPE = "audio/mpeg"
SID = re.compile(r"^(RE|CA)[0-9a-f]{32}$")


class RecordingJob(msgspec.Struct, frozen=True, kw_only=True):
    recording_sid: str
    call_sid: str
    submission_key: str  # the case the call files (or filed): "voice:<HMAC of the CallSid>"


class CaseNotFiledYetError(Exception):
    """The recording arrived before the call's report was committed: the job is retried."""


class RecordingSource(Protocol):
    """Where the worker gets a recording's audio (Twilio; a local fake in tests)."""

    async def fetch(self, recording_sid: str) -> bytes: ...


class TwilioRecordings:
    """Twilio's REST API, at ``SIGNALEMENT_TWILIO_API_BASE``, with HTTP Basic auth."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def fetch(self, recording_sid: str) -> bytes:
        return await download(self.settings, f"Recordings/{recording_sid}.mp3", MAX_RECORDING_BYTES,
                              seconds=RECORDING_TIMEOUT)


def _field(dedupe_key: str) -> str:
    return f"{RECORDING_JOB}:{dedupe_key}"


async def queue_recording(session: AsyncSession, worker_key: PublicKey, job: RecordingJob, ref: str) -> None:
    """In the caller's transaction: fetch and seal this recording, once (``ref``: keyed RecordingSid)."""
    if not (SID.match(job.recording_sid) and SID.match(job.call_sid)):
        return  # not a Twilio SID: nothing we could fetch
    dedupe_key = f"recording:{ref}"
    payload = seal(msgspec.msgpack.encode(job), worker_key, case_id=OUTBOX_CASE, field=_field(dedupe_key))
    await outbox.enqueue(session, RECORDING_JOB, payload, dedupe_key=dedupe_key)


def read_job(plain: bytes) -> RecordingJob:
    return msgspec.msgpack.decode(plain, type=RecordingJob)


async def seal_recording(runtime: Runtime, job: OutboxJob, payload: RecordingJob, source: RecordingSource) -> None:
    """Fetch, seal as the case's attachment, queue both deletions at Twilio, and finish the job: one commit."""
    async with runtime.db.reading() as session:
        case_id = await session.scalar(select(Case.id).where(Case.submission_key == payload.submission_key))
    if case_id is None:
        raise CaseNotFiledYetError
    audio = await source.fetch(payload.recording_sid)
    ref = (job.dedupe_key or "").removeprefix("recording:")
    async with runtime.db.writing() as session:
        await write_evidence(session, runtime.public_keys.current, case_id=case_id, attached=True, body=[audio],
                             kind="audio", content_type=CONTENT_TYPE, size=len(audio))
        worker = runtime.public_keys.worker
        await queue_purge(session, worker, PurgeJob(kind="recording", sid=payload.recording_sid), f"rec:{ref}")
        # The call log goes too (the call is over by the time the worker runs, or the purge is retried).
        await queue_purge(session, worker, PurgeJob(kind="call", sid=payload.call_sid), f"call:{ref}")
        await session.execute(update(OutboxJob).where(OutboxJob.id == job.id)
                              .values(status="done", payload=b"", locked_until=None, last_error=None))
        await session.commit()

