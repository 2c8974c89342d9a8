"""MMS photos: the job the SMS channel queues for a text with files, and what the worker does with it.

A photo taken on a worker's phone carries the phone's make, the time and often the GPS position of
the bunkhouse. The webhook answers at once and only queues a ``twilio.media`` job (sealed to the
worker key, like every outbox payload): the message SID, each file's media SID and the evidence id
chosen for it, the case (or the draft's future case id) and the language. No phone number, and no
URL: the worker rebuilds each file's address from the SIDs under the configured API base, so a
webhook cannot make it fetch anything else.

The worker then downloads each photo with HTTP Basic auth (``messaging``), strips it with the web's
own code (``evidence.sanitise``: re-encoded from the pixels, no EXIF or GPS), seals it as an attachment
(``evidence_store``), and deletes every file and the message itself at Twilio. A file it cannot use
(too big, not a photo, unreadable) gets one calm text in the reporter's language; the number for that
text is read from Twilio's own log just before the message is deleted there, never stored by us.
"""

from __future__ import annotations

import asyncio

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signalement import i18n, outbox
from signalement.db.models import Evidence, utcnow
from signalement.evidence import MAX_FILE_BYTES, MAX_FILES_PER_CASE, RejectedFileError, Rejection, sanitise
from signalement.evidence_store import attach_if_filed, files_on_case, write_evidence
from signalement.i18n import N_
from signalement.messaging import MessagingProvider, PurgeJob, UnusableMediaError
from signalement.notify import OUTBOX_CASE, PermanentSendError
from signalement.runtime import Runtime
from signalement.vault.keystore import PublicKey
from signalement.vault.seal import seal

MEDIA_JOB = "twilio.media"
CHUNK = 64 * 1024
# What the webhook accepts by the type Twilio reports; the bytes are checked again (``evidence.sniff``).
IMAGE_TYPES = frozenset({"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/webp", "image/heic",
                         "image/heif"})

PHOTO_UNUSABLE = N_("We could not use a photo you sent. Please send a smaller photo or a screenshot.")
PHOTO_TOO_MANY = N_("You can add up to %(max)s photos. The others were not kept.")


class MediaFile(msgspec.Struct, frozen=True):
    sid: str  # the media SID at Twilio ("" if the webhook's URL held none: nothing to fetch or delete)
    evidence_id: str = ""  # "" when the file is only to be deleted (not a photo, too many, wrong step)


class MediaJob(msgspec.Struct, frozen=True, kw_only=True):
    message_sid: str
    files: tuple[MediaFile, ...]
    case_id: str = ""  # the open case (``attached``), or the id the report will have once filed
    attached: bool = False
    language: str = "en"


class MediaOutcome(msgspec.Struct, frozen=True, kw_only=True):
    kept: int = 0
    unusable: int = 0
    over_limit: int = 0


def localized(language: str, message: str, **params: object) -> str:
    with i18n.using(language, i18n.REPORTER):
        return i18n.gettext(message, **params)


def sealed_media(worker_key: PublicKey, job: MediaJob, dedupe_ref: str) -> outbox.SealedJob:
    """The job of ``queue_media``, sealed now (before the caller takes the write lock)."""
    dedupe_key = f"media:{dedupe_ref}"
    payload = seal(msgspec.msgpack.encode(job), worker_key, case_id=OUTBOX_CASE, field=f"{MEDIA_JOB}:{dedupe_key}")
    return outbox.SealedJob(kind=MEDIA_JOB, payload=payload, dedupe_key=dedupe_key, run_after=utcnow())


async def queue_media(session: AsyncSession, worker_key: PublicKey, job: MediaJob, dedupe_ref: str) -> None:
    """In the caller's transaction (the one that commits the webhook's effect): fetch, keep and purge, once."""
    await outbox.enqueue_once(session, sealed_media(worker_key, job, dedupe_ref))


async def run_media_job(rt: Runtime, provider: MessagingProvider, job: MediaJob, idempotency_key: str | None,
                        *, last_attempt: bool = False) -> None:
    """Keep each photo not yet kept, tell the reporter about any we could not, then delete it all at Twilio.

    Safe to run again after a crash: a photo already stored is not fetched twice (its id was chosen
    by the webhook), and deleting what is already gone counts as done. A fetch that keeps failing
    (Twilio down, our database full) is retried with the job; on its last attempt the photo is given
    up, so that it is still deleted at Twilio rather than left there.
    """
    outcome = MediaOutcome()
    for file in job.files:
        if file.evidence_id and file.sid and not await _stored(rt, file.evidence_id):
            try:
                outcome = await _keep(rt, provider, job, file, outcome)
            except Exception:
                if not last_attempt:
                    raise  # retried with backoff by the worker
                outcome = msgspec.structs.replace(outcome, unusable=outcome.unusable + 1)
    if outcome.unusable or outcome.over_limit:
        message = PHOTO_UNUSABLE if outcome.unusable else PHOTO_TOO_MANY
        try:
            sender = await provider.sender_of(job.message_sid)
            await provider.send(sender, localized(job.language, message, max=MAX_FILES_PER_CASE),
                                idempotency_key=idempotency_key)
        except PermanentSendError:
            pass  # a number we cannot text back: the purge below must still happen
    for file in job.files:
        if file.sid:
            await provider.purge(PurgeJob(kind="media", sid=file.sid, parent=job.message_sid))
    await provider.purge(PurgeJob(kind="message", sid=job.message_sid))


async def _stored(rt: Runtime, evidence_id: str) -> bool:
    async with rt.db.reading() as session:
        return await session.scalar(select(Evidence.id).where(Evidence.id == evidence_id)) is not None


async def _keep(rt: Runtime, provider: MessagingProvider, job: MediaJob, file: MediaFile,
                outcome: MediaOutcome) -> MediaOutcome:
    if job.attached and await files_on_case(rt.db, job.case_id) >= MAX_FILES_PER_CASE:
        return msgspec.structs.replace(outcome, over_limit=outcome.over_limit + 1)
    try:
        data = await provider.fetch_media(job.message_sid, file.sid, MAX_FILE_BYTES)
        clean = await asyncio.to_thread(sanitise, data)  # Pillow is CPU-bound: off the event loop
        if clean.kind != "image":
            raise RejectedFileError(Rejection.TYPE)  # a PDF by MMS: photos only on this channel
    except (UnusableMediaError, RejectedFileError):
        return msgspec.structs.replace(outcome, unusable=outcome.unusable + 1)
    async with rt.db.writing() as session:
        await write_evidence(session, rt.public_keys.current, case_id=job.case_id, attached=job.attached,
                             body=[clean.data[i:i + CHUNK] for i in range(0, len(clean.data), CHUNK)],
                             kind=clean.kind, content_type=clean.content_type, size=len(clean.data),
                             evidence_id=file.evidence_id)
        await session.commit()
    if not job.attached:
        # A second transaction, after the photo is committed: if the report was filed meanwhile, this sees it
        # (and if it is filed later, the channel's own attach after filing sees the photo).
        async with rt.db.writing() as session:
            await attach_if_filed(session, job.case_id)
            await session.commit()
    return msgspec.structs.replace(outcome, kept=outcome.kept + 1)

