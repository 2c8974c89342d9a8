"""``signalement worker``: runs outbox jobs, with retry and backoff, and maintenance.

The worker holds the worker private key (to open job payloads sealed to it),
sealed in the key folder under ``SIGNALEMENT_WORKER_KEYS`` from its own
environment, and the Twilio credentials. It holds no master key and cannot
open a case. Maintenance: a purge a day, an audit anchor an hour, and a new
directorate epoch whenever the current one is ``SIGNALEMENT_EPOCH_DAYS`` old
(no password needed: it is sealed to the master public key).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import msgspec

from signalement import audit, outbox
from signalement.db.models import OutboxJob, utcnow
from signalement.key_records import current_epoch_age, rotate_directorate
from signalement.messaging import PURGE_JOB as TWILIO_PURGE_JOB
from signalement.messaging import MessagingProvider, PurgeJob, TwilioProvider
from signalement.mms import MEDIA_JOB, MediaJob, run_media_job
from signalement.notify import OUTBOX_CASE, SMS_JOB, PermanentSendError, SmsJob, idempotency_key, message_text
from signalement.recordings import RECORDING_JOB, RecordingSource, TwilioRecordings, read_job, seal_recording
from signalement.retention import purge
from signalement.runtime import Runtime
from signalement.vault.opening import PrivateKeyObject, open_with
from signalement.vault.suites import SuiteName
from signalement.vault.workerkey import open_worker_private

logger = logging.getLogger("signalement.worker")
PURGE_JOB = "maintenance.purge"
ROTATE_JOB = "maintenance.rotate"

Handler = Callable[["Worker", OutboxJob], Awaitable[None]]


class Worker:
    def __init__(self, runtime: Runtime, provider: MessagingProvider | None = None,
                 recordings: RecordingSource | None = None) -> None:
        self.rt = runtime
        self.provider: MessagingProvider = provider or TwilioProvider(runtime.settings)
        self.recordings: RecordingSource = recordings or TwilioRecordings(runtime.settings)
        self._key: tuple[SuiteName, PrivateKeyObject] | None = None

    def open_payload(self, job: OutboxJob, field: str) -> bytes:
        if self._key is None:
            self._key = open_worker_private(self.rt.keystore, self.rt.worker_keys)
        suite, private = self._key
        public = self.rt.public_keys.worker
        return open_with(job.payload, private, suite, public.key_id, case_id=OUTBOX_CASE, field=field)

    async def _sms(self, job: OutboxJob) -> None:
        payload = msgspec.msgpack.decode(self.open_payload(job, f"{SMS_JOB}:{job.dedupe_key}"), type=SmsJob)
        text = message_text(self.rt.settings, payload.language, payload.template)
        # The job's dedupe key is the idempotency key: a job retried after a crash asks for the same text.
        key = idempotency_key(job.dedupe_key) if job.dedupe_key else None
        await self.provider.send(payload.to, text, idempotency_key=key)

    async def _twilio_purge(self, job: OutboxJob) -> None:
        payload = msgspec.msgpack.decode(self.open_payload(job, f"{TWILIO_PURGE_JOB}:{job.dedupe_key}"), type=PurgeJob)
        await self.provider.purge(payload)

    async def _recording(self, job: OutboxJob) -> None:
        payload = read_job(self.open_payload(job, f"{RECORDING_JOB}:{job.dedupe_key}"))
        await seal_recording(self.rt, job, payload, self.recordings)
    async def _twilio_media(self, job: OutboxJob) -> None:
        payload = msgspec.msgpack.decode(self.open_payload(job, f"{MEDIA_JOB}:{job.dedupe_key}"), type=MediaJob)
        await run_media_job(self.rt, self.provider, payload, idempotency_key(job.dedupe_key or f"media:{job.id}"),
                            last_attempt=job.attempts >= self.rt.settings.worker_max_attempts)

    async def _rotate(self, job: OutboxJob) -> None:
        due_for = (job.dedupe_key or "").partition(":")[2]
        if self.rt.keystore.current_kid() != due_for:
            return  # someone rotated since this was queued
        kid = await rotate_directorate(self.rt, actor="worker", reason="schedule")
        logger.info("epoch_rotated", extra={"key_id": kid})

    async def _purge(self, job: OutboxJob) -> None:
        report = await purge(self.rt, actor="worker")
        logger.info("purge_done", extra={"cases": report.cases_deleted, "destroyed": len(report.epochs_destroyed)})

    HANDLERS: dict[str, Callable[[Worker, OutboxJob], Awaitable[None]]] = {
        SMS_JOB: _sms,
        TWILIO_PURGE_JOB: _twilio_purge,
        RECORDING_JOB: _recording,
        MEDIA_JOB: _twilio_media,
        ROTATE_JOB: _rotate,
        PURGE_JOB: _purge,
    }

    async def run_once(self, limit: int = 10) -> int:
        """Claim and run due jobs once. Returns how many ran (successfully or not)."""
        jobs = await outbox.claim(self.rt.db, limit=limit)
        for job in jobs:
            handler = self.HANDLERS.get(job.kind)
            try:
                if handler is None:
                    raise LookupError("unknown job kind")
                await handler(self, job)
            except PermanentSendError as exc:
                job.attempts = self.rt.settings.worker_max_attempts
                await outbox.fail(self.rt.db, job, type(exc).__name__, max_attempts=job.attempts)
                logger.warning("job_failed", extra={"job": job.id, "kind": job.kind, "final": True})
            except Exception as exc:  # any failure is retried; only its type is recorded
                state = await outbox.fail(self.rt.db, job, type(exc).__name__,
                                          max_attempts=self.rt.settings.worker_max_attempts)
                logger.warning("job_failed", extra={"job": job.id, "kind": job.kind,
                                                    "exc_type": type(exc).__name__, "final": state == "failed"})
            else:
                await outbox.complete(self.rt.db, job.id)
        return len(jobs)

    async def schedule_maintenance(self) -> None:
        """Once a day (any number of workers): queue a purge. When the current directorate epoch is
        ``epoch_days`` old: queue its rotation, once. Every hour: log the audit head as an anchor."""
        now = utcnow()
        age = await current_epoch_age(self.rt, now)
        async with self.rt.db.writing() as session:
            await outbox.enqueue(session, PURGE_JOB, dedupe_key=f"purge:{now.date().isoformat()}")
            if age is not None and age >= dt.timedelta(days=self.rt.settings.epoch_days):
                await outbox.enqueue(session, ROTATE_JOB, dedupe_key=f"rotate:{self.rt.keystore.current_kid()}")
            await session.commit()
        async with self.rt.db.reading() as session:
            result = await audit.verify(session, self.rt.audit_keys)
        logger.info("audit_anchor", extra={"seq": result.head_seq, "mac": result.head_mac, "ok": result.ok})

    async def run_forever(self, stop: asyncio.Event) -> None:
        last_maintenance = None
        while not stop.is_set():
            hour = utcnow().replace(minute=0, second=0, microsecond=0)
            if hour != last_maintenance:
                await self.schedule_maintenance()
                last_maintenance = hour
            ran = await self.run_once()
            if not ran:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.rt.settings.worker_poll_seconds)
                except TimeoutError:
                    pass
