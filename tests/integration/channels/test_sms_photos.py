"""MMS photos against the running app and a worker talking to a stateful fake Twilio on 127.0.0.1.

The webhook downloads nothing: it answers at once and queues one sealed ``twilio.media`` job. The worker
downloads each photo with HTTP Basic auth, strips it with the web's own code, seals it as an attachment,
then deletes each file and the message at Twilio. What an officer opens has no EXIF and no GPS. Files that
are not photos, too big, too many or sent at the wrong moment get a calm text in the reporter's language.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from typing import Any

import msgspec
import pytest
from PIL import Image
from sqlalchemy import func, select

from integration.channels.conftest import PUBLIC_URL, due_now, jobs_in, worker_runtime
from integration.reporter.reporting import build_opener
from signalement.channels import sms_texts as t
from signalement.db.models import Case, Evidence, OutboxJob, SmsSession
from signalement.evidence import MAX_FILE_BYTES, jpeg_metadata_segments
from signalement.mms import MEDIA_JOB
from signalement.worker import Worker
from support.twilio_peers import ACCOUNT_SID, FakeTwilio
from support.twilio_webhooks import Phone, new_sid
from unit.test_evidence import GPS_IFD, jpeg_with_gps

RECEIPT = re.compile(r"(\d{3}-\d{3}-\d{3}).*?(\d{4} \d{4} \d{4} \d{4})", re.S)
GREETING = {"en": "HELP", "fr": "AIDE", "es": "AYUDA", "tl": "TULONG"}


def _number() -> str:
    return f"+1416556{time.monotonic_ns() % 10000:04d}"


def _mms(phone: Phone, body: str, files: list[tuple[str, str]], sid: str | None = None) -> dict[str, str]:
    """A signed-to-be inbound MMS: ``files`` are (media SID, content type), at Twilio's own media URLs."""
    sid = sid or new_sid("MM")
    extra: dict[str, str] = {"NumMedia": str(len(files))}
    for i, (media_sid, content_type) in enumerate(files):
        extra[f"MediaUrl{i}"] = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media/{media_sid}"
        extra[f"MediaContentType{i}"] = content_type
    return phone.params(body, sid, **extra)


async def _send(phone: Phone, params: dict[str, str]) -> list[str]:
    reply = await phone.post(params)
    assert reply.status == 200, (reply.status, reply.body)
    return reply.texts


async def _to_story(phone: Phone, lang: str = "en") -> None:
    for body in (GREETING[lang], "5", "2", "ON", "0"):
        await phone.text(body)


async def _finish(phone: Phone) -> tuple[str, str]:
    for body in ("1", "2"):
        await phone.text(body)
    last = await phone.text("1")
    match = RECEIPT.search(last[0])
    assert match, last
    return match.group(1), match.group(2)


async def _count(db: Any, table: Any) -> int:
    async with db.reading() as s:
        return int(await s.scalar(select(func.count()).select_from(table)))


async def _media_jobs(db: Any) -> list[OutboxJob]:
    return [j for j in await jobs_in(db) if j.kind == MEDIA_JOB]


async def _run_worker(tw: Any, fake: FakeTwilio, db: Any) -> int:
    runtime = worker_runtime(tw, fake.base_url)
    try:
        await due_now(db)
        return await Worker(runtime).run_once(limit=50)
    finally:
        await runtime.close()


@pytest.mark.both_databases
async def test_a_photo_in_the_story_is_fetched_stripped_sealed_attached_and_deleted_at_twilio(tw, tw_client,
                                                                                             db) -> None:
    number = _number()
    phone = Phone(tw_client, PUBLIC_URL, number)
    await _to_story(phone)
    photo = jpeg_with_gps()
    media_sid, message_sid = new_sid("ME"), new_sid("MM")
    texts = await _send(phone, _mms(phone, "Our room, no heat", [(media_sid, "image/jpeg")], sid=message_sid))
    assert texts == [t.text("en", t.STORY_MORE)]
    # The webhook fetched nothing: one sealed job, with no number, SID or URL in clear.
    assert await _count(db, Evidence) == 0
    [job] = await _media_jobs(db)
    for secret in (number, number[1:], message_sid, media_sid, "api.twilio.com"):
        assert secret.encode() not in job.payload and secret not in (job.dedupe_key or "")
    async with db.reading() as s:
        session_blob = (await s.scalar(select(SmsSession.state)))
    assert media_sid.encode() not in session_blob and b"Our room" not in session_blob
    with FakeTwilio() as fake:
        fake.media[media_sid] = photo
        fake.known.add(message_sid)
        await _run_worker(tw, fake, db)
    assert fake.fetched == [media_sid] and not fake.refused and not fake.cdn_saw_auth
    assert fake.deleted_media == [media_sid] and fake.deleted == [message_sid]
    assert fake.messages == []  # nothing to tell the reporter
    assert [(j.status, j.payload) for j in await _media_jobs(db)] == [("done", b"")]
    async with db.reading() as s:
        staged = (await s.execute(select(Evidence))).scalars().all()
    assert [e.case_id for e in staged] == [None]  # waiting for the report, like a web draft's file
    code, _secret = await _finish(phone)
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    [(evidence, data)] = await opener.evidence(case.id)
    assert evidence.kind == "image" and evidence.content_type == "image/jpeg"
    img = Image.open(io.BytesIO(data))
    assert img.size == Image.open(io.BytesIO(photo)).size
    assert len(img.getexif()) == 0 and not img.getexif().get_ifd(GPS_IFD) and jpeg_metadata_segments(data) == []
    assert b"PhoneMaker" not in data and b"GPS" not in data and b"bunkhouse" not in data
    narrative = await opener.story(case.id)
    assert narrative == "Our room, no heat"


async def test_a_photo_the_worker_fetches_after_the_report_was_filed_is_attached_to_it(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await _to_story(phone, "fr")
    media_sid, message_sid = new_sid("ME"), new_sid("MM")
    assert await _send(phone, _mms(phone, "", [(media_sid, "image/png")], sid=message_sid)) == [
        t.text("fr", t.STORY_MORE)]  # a photo alone is an answer too
    assert await phone.text("1") == [t.text("fr", t.STORY_EMPTY), t.text("fr", t.STORY)]  # and some words
    await phone.text("Pas de chauffage")
    code, _ = await _finish(phone)  # filed before the worker ran
    with FakeTwilio() as fake:
        fake.media[media_sid] = jpeg_with_gps()
        await _run_worker(tw, fake, db)
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    [(_evidence, data)] = await opener.evidence(case.id)
    assert jpeg_metadata_segments(data) == []


async def test_follow_up_photos_are_attached_to_the_open_case(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await _to_story(phone, "es")
    await phone.text("No me pagan")
    code, secret = await _finish(phone)
    await phone.text(f"{code} {secret}")
    media_sid = new_sid("ME")
    assert await _send(phone, _mms(phone, "", [(media_sid, "image/jpeg")])) == [t.text("en", t.FOLLOWUP_ADDED)]
    second = new_sid("ME")  # with "0" beside it: added, then the follow-up ends
    assert await _send(phone, _mms(phone, "0", [(second, "image/jpeg")])) == [t.text("en", t.FOLLOWUP_ADDED),
                                                                            t.text("en", t.FOLLOWUP_ENDED)]
    with FakeTwilio() as fake:
        fake.media.update({media_sid: jpeg_with_gps(), second: jpeg_with_gps()})
        await _run_worker(tw, fake, db)
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    assert len(await opener.evidence(case.id)) == 2


async def test_a_file_that_is_not_a_photo_gets_a_calm_reply_and_is_only_deleted(tw, tw_client, db) -> None:
    lang = "tl"  # every language's wording: tests/unit/channels/test_sms_texts.py
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await _to_story(phone, lang)
    video, message_sid = new_sid("ME"), new_sid("MM")
    texts = await _send(phone, _mms(phone, "", [(video, "video/mp4")], sid=message_sid))
    assert texts == [t.text(lang, t.PHOTO_ONLY), t.text(lang, t.STORY)]  # the question again, nothing lost
    with FakeTwilio() as fake:
        fake.media[video] = b"\x00\x00\x00\x18ftypmp42"
        fake.known.add(message_sid)
        await _run_worker(tw, fake, db)
    assert fake.fetched == [] and fake.deleted_media == [video] and fake.deleted == [message_sid]
    assert await _count(db, Evidence) == 0


async def test_photos_the_worker_cannot_use_are_answered_in_the_reporters_language_and_deleted(tw, tw_client,
                                                                                              db) -> None:
    """Too big, and claimed to be a JPEG but not one: the worker texts the sender once (read from Twilio's log,
    never stored by us) and keeps nothing; the words sent with them are kept and the conversation goes on."""
    number = _number()
    phone = Phone(tw_client, PUBLIC_URL, number)
    await _to_story(phone, "es")
    big, broken, message_sid = new_sid("ME"), new_sid("ME"), new_sid("MM")
    files = [(big, "image/jpeg"), (broken, "image/jpeg")]
    assert await _send(phone, _mms(phone, "Mire", files, sid=message_sid)) == [t.text("es", t.STORY_MORE)]
    with FakeTwilio() as fake:
        fake.media[big] = b"\xff\xd8\xff" + b"\x00" * MAX_FILE_BYTES
        fake.media[broken] = b"\xff\xd8\xff" + b"\x00" * 100
        fake.senders[message_sid] = number
        fake.known.add(message_sid)
        await _run_worker(tw, fake, db)
    assert [(m["To"], m["Body"]) for m in fake.messages] == [(number, t.text("es", t.PHOTO_UNUSABLE))]
    assert fake.deleted_media == [big, broken] and fake.deleted == [message_sid]
    assert await _count(db, Evidence) == 0
    assert [j.status for j in await _media_jobs(db)] == ["done"]
    code, _ = await _finish(phone)
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    assert await opener.story(case.id) == "Mire"


async def test_more_photos_than_a_case_can_hold_keep_five_and_say_so(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await _to_story(phone)
    files = [(new_sid("ME"), "image/jpeg") for _ in range(6)]
    texts = await _send(phone, _mms(phone, "", files))
    assert texts == [t.text("en", t.PHOTO_TOO_MANY, max=5), t.text("en", t.STORY_MORE)]
    with FakeTwilio() as fake:
        fake.media.update({sid: jpeg_with_gps() for sid, _ in files})
        await _run_worker(tw, fake, db)
    assert sorted(fake.fetched) == sorted(sid for sid, _ in files[:5])
    assert sorted(fake.deleted_media) == sorted(sid for sid, _ in files)
    assert await _count(db, Evidence) == 5


async def test_a_photo_sent_at_another_question_is_explained_and_the_question_asked_again(tw, tw_client,
                                                                                         db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await phone.text("AIDE")
    media_sid = new_sid("ME")
    texts = await _send(phone, _mms(phone, "", [(media_sid, "image/jpeg")]))
    assert texts == [t.text("fr", t.PHOTO_LATER), t.text("fr", t.CATEGORY_MENU)]
    assert await phone.text("1") == [t.text("fr", t.DANGER)]  # the conversation goes on where it was
    with FakeTwilio() as fake:
        fake.media[media_sid] = jpeg_with_gps()
        await _run_worker(tw, fake, db)
    assert fake.fetched == [] and fake.deleted_media == [media_sid]


async def test_stop_with_photos_staged_deletes_them_too(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await _to_story(phone)
    media_sid = new_sid("ME")
    await _send(phone, _mms(phone, "", [(media_sid, "image/jpeg")]))
    with FakeTwilio() as fake:
        fake.media[media_sid] = jpeg_with_gps()
        await _run_worker(tw, fake, db)
    assert await _count(db, Evidence) == 1
    assert await phone.text("STOP") == [t.text("en", t.STOPPED)]
    assert (await _count(db, Evidence), await _count(db, Case), await _count(db, SmsSession)) == (0, 0, 0)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # concurrent writers; SQLite has one
async def test_five_concurrent_replays_of_a_photo_text_make_one_job_and_one_attachment(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await _to_story(phone)
    media_sid = new_sid("ME")
    params = _mms(phone, "", [(media_sid, "image/jpeg")])
    replies = await asyncio.gather(*(phone.post(dict(params)) for _ in range(5)))
    assert {r.status for r in replies} == {200} and len({r.body for r in replies}) == 1
    async with db.reading() as s:
        kinds = (await s.execute(select(OutboxJob.kind))).scalars().all()
    assert kinds.count(MEDIA_JOB) == 1
    with FakeTwilio() as fake:
        fake.media[media_sid] = jpeg_with_gps()
        await _run_worker(tw, fake, db)
        await _run_worker(tw, fake, db)
    assert fake.fetched == [media_sid] and await _count(db, Evidence) == 1


async def test_a_media_job_run_again_after_a_crash_fetches_nothing_twice(tw, tw_client, db) -> None:
    """The worker died after storing the photo but before marking the job done: the job runs again."""
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await _to_story(phone)
    media_sid, message_sid = new_sid("ME"), new_sid("MM")
    await _send(phone, _mms(phone, "", [(media_sid, "image/jpeg")], sid=message_sid))
    with FakeTwilio() as fake:
        fake.media[media_sid] = jpeg_with_gps()
        fake.known.add(message_sid)
        runtime = worker_runtime(tw, fake.base_url)
        try:
            from signalement import outbox

            await due_now(db)
            [job] = [j for j in await outbox.claim(runtime.db, limit=50) if j.kind == MEDIA_JOB]
            await Worker(runtime).HANDLERS[MEDIA_JOB](Worker(runtime), job)  # ran, but never marked done
            async with db.writing() as s:  # its lease runs out
                row = await s.get(OutboxJob, job.id)
                row.locked_until = None
                await s.commit()
            await Worker(runtime).run_once(limit=50)
        finally:
            await runtime.close()
    assert fake.fetched == [media_sid] and await _count(db, Evidence) == 1
    assert fake.deleted_media == [media_sid] and fake.deleted == [message_sid]



async def test_a_photo_twilio_keeps_failing_to_serve_is_given_up_on_the_last_attempt_and_still_deleted(
    tw, tw_client, db
) -> None:
    number = _number()
    phone = Phone(tw_client, PUBLIC_URL, number)
    await _to_story(phone, "tl")
    media_sid, message_sid = new_sid("ME"), new_sid("MM")
    await _send(phone, _mms(phone, "", [(media_sid, "image/jpeg")], sid=message_sid))
    with FakeTwilio() as fake:
        fake.media[media_sid] = jpeg_with_gps()
        fake.broken.add(media_sid)
        fake.senders[message_sid] = number
        fake.known.add(message_sid)
        runtime = worker_runtime(tw, fake.base_url)
        runtime.settings = msgspec.structs.replace(runtime.settings, worker_max_attempts=2)
        try:
            await due_now(db)
            await Worker(runtime).run_once(limit=50)
            [job] = await _media_jobs(db)
            assert (job.status, job.last_error) == ("pending", "HTTPStatusError")  # retried: nothing deleted yet
            assert fake.deleted_media == [] and fake.messages == []
            await due_now(db)
            await Worker(runtime).run_once(limit=50)
        finally:
            await runtime.close()
    assert [j.status for j in await _media_jobs(db)] == ["done"]
    assert [(m["To"], m["Body"]) for m in fake.messages] == [(number, t.text("tl", t.PHOTO_UNUSABLE))]
    assert fake.deleted_media == [media_sid] and fake.deleted == [message_sid]
    assert await _count(db, Evidence) == 0
