"""The outbox and the worker, against a real database and real HTTP peers for Twilio.

Claims are leased and never doubled, failures back off and give up, texts go out exactly once
through the real ``twilio`` client, and Twilio's own API description accepts what we send.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import msgspec
import pytest
from sqlalchemy import select, update

from signalement import outbox
from signalement.db.models import OutboxJob, utcnow
from signalement.notify import SmsJob, message_text, queue_sms
from signalement.worker import Worker
from support.twilio_peers import ACCOUNT_SID, FakeTwilio


async def _job(stack, job_id: int) -> OutboxJob:
    async with stack.runtime.db.reading() as s:
        return (await s.execute(select(OutboxJob).where(OutboxJob.id == job_id))).scalar_one()


async def test_a_job_written_in_a_rolled_back_transaction_never_exists(stack) -> None:
    async with stack.runtime.db.writing() as s:
        await outbox.enqueue(s, "noop", b"")
        # no commit: the change and its job vanish together
    async with stack.runtime.db.reading() as s:
        assert (await s.execute(select(OutboxJob))).first() is None


async def test_a_dedupe_key_makes_a_second_identical_job_a_no_op(stack) -> None:
    async with stack.runtime.db.writing() as s:
        assert await outbox.enqueue(s, "noop", dedupe_key="once") is not None
        assert await outbox.enqueue(s, "noop", dedupe_key="once") is None
        await s.commit()


async def test_a_claimed_job_is_leased_so_a_second_claim_does_not_get_it(stack) -> None:
    async with stack.runtime.db.writing() as s:
        await outbox.enqueue(s, "noop")
        await s.commit()
    first = await outbox.claim(stack.runtime.db)
    second = await outbox.claim(stack.runtime.db)
    assert len(first) == 1 and second == []
    assert first[0].attempts == 1


async def test_failures_back_off_and_then_give_up_recording_only_the_error_type(stack) -> None:
    db = stack.runtime.db
    async with db.writing() as s:
        job = await outbox.enqueue(s, "no.such.kind", b"secret payload")
        await s.commit()
    worker = Worker(stack.runtime)
    for attempt in range(1, 4):
        async with db.writing() as s:  # make it due now (time travel instead of sleeping)
            await s.execute(update(OutboxJob).values(run_after=utcnow() - dt.timedelta(seconds=1)))
            await s.commit()
        assert await worker.run_once() == 1
        row = await _job(stack, job.id)
        assert row.attempts == attempt and row.last_error == "LookupError"
        if attempt < 3:
            assert row.status == "pending" and row.run_after > utcnow()
    # Jump to the last allowed attempt: the next failure gives up.
    async with db.writing() as s:
        await s.execute(update(OutboxJob).values(run_after=utcnow(), attempts=stack.settings.worker_max_attempts - 1))
        await s.commit()
    await worker.run_once()
    row = await _job(stack, job.id)
    assert row.status == "failed" and row.payload == b""  # nothing sensitive left behind


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_concurrent_workers_on_postgresql_never_run_the_same_job(stack) -> None:
    """SKIP LOCKED claiming is PostgreSQL's; SQLite deployments run a single worker by design."""
    async with stack.runtime.db.writing() as s:
        for i in range(60):
            await outbox.enqueue(s, "noop", dedupe_key=f"j{i}")
        await s.commit()
    batches = await asyncio.gather(*(outbox.claim(stack.runtime.db, limit=7) for _ in range(12)))
    claimed = [job.id for batch in batches for job in batch]
    assert len(claimed) == len(set(claimed)) == 60


async def _queue_text(stack, phone: str, lang: str, ref: str) -> None:
    async with stack.runtime.db.writing() as s:
        await queue_sms(s, stack.runtime.public_keys.worker, SmsJob(to=phone, language=lang), ref=ref)
        await s.commit()


def _with_twilio(stack, base: str) -> None:
    settings = msgspec.structs.replace(stack.settings, twilio_api_base=base, twilio_account_sid=ACCOUNT_SID,
                                       twilio_auth_token="test-token", twilio_from_number="+15005550006")
    stack.runtime.settings = settings


async def test_a_queued_text_is_sent_once_with_a_neutral_localized_body(stack) -> None:
    with FakeTwilio() as fake:
        _with_twilio(stack, fake.base_url)
        await _queue_text(stack, "+15145550123", "es", "m1")
        await _queue_text(stack, "+15145550123", "es", "m1")  # the same reply queued twice
        worker = Worker(stack.runtime)
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0
    assert len(fake.messages) == 1
    sent = fake.messages[0]
    assert sent["To"] == "+15145550123" and sent["From"] == "+15005550006"
    assert sent["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sent["Body"] == message_text(stack.runtime.settings, "es", "reply_notice")
    async with stack.runtime.db.reading() as s:
        job = (await s.execute(select(OutboxJob))).scalar_one()
    assert job.status == "done" and job.payload == b""
    assert b"+15145550123" not in job.payload


async def test_the_phone_number_in_a_queued_job_is_sealed(stack) -> None:
    await _queue_text(stack, "+15145550199", "en", "m2")
    async with stack.runtime.db.reading() as s:
        job = (await s.execute(select(OutboxJob))).scalar_one()
    assert b"5145550199" not in job.payload and job.payload.startswith(b"SG")


async def test_twilio_refusing_a_number_fails_the_job_at_once(stack) -> None:
    with FakeTwilio(fail_with=400) as fake:
        _with_twilio(stack, fake.base_url)
        await _queue_text(stack, "+15145550123", "en", "m3")
        await Worker(stack.runtime).run_once()
    async with stack.runtime.db.reading() as s:
        job = (await s.execute(select(OutboxJob))).scalar_one()
    assert job.status == "failed" and job.last_error == "PermanentSendError"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_twilios_own_api_description_accepts_the_text_we_send(stack, twilio_prism: str) -> None:
    """The contract does not depend on the database, so it is checked once, on SQLite."""
    _with_twilio(stack, twilio_prism)
    await _queue_text(stack, "+15145550123", "fr", "m4")
    await Worker(stack.runtime).run_once()
    async with stack.runtime.db.reading() as s:
        job = (await s.execute(select(OutboxJob))).scalar_one()
    assert (job.status, job.last_error) == ("done", None)
