"""Twilio's REST side of the SMS channel, from the real ``twilio`` client to real HTTP peers on 127.0.0.1.

Each inbound text, and each of our replies once delivered, is deleted at Twilio by the worker, so
Twilio's log stops linking the number to us. A stateful fake checks send-then-delete; Prism checks the
delete request against Twilio's own OpenAPI description.
"""

from __future__ import annotations

import msgspec
import pytest

from integration.channels.conftest import PUBLIC_URL, due_now, jobs_in, worker_runtime
from signalement.messaging import PurgeJob, TwilioProvider
from signalement.notify import SmsJob, queue_sms
from signalement.runtime import Runtime
from signalement.worker import Worker
from support.messaging import LocalProvider
from support.twilio_peers import ACCOUNT_SID, FakeTwilio
from support.twilio_webhooks import Phone, new_sid, sign


async def test_each_inbound_text_is_deleted_at_twilio_by_the_worker_once(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, "+14165550177")
    sids = [new_sid(), new_sid()]
    await phone.text("HELP", sid=sids[0])
    await phone.text("1", sid=sids[1])
    with FakeTwilio() as fake:
        fake.known.update(sids)
        runtime = worker_runtime(tw, fake.base_url)
        try:
            worker = Worker(runtime)
            assert await worker.run_once() == 0  # not yet: Twilio may still be finishing with them
            await due_now(db)
            assert await worker.run_once() == 2
            assert await worker.run_once() == 0
        finally:
            await runtime.close()
    assert sorted(fake.deleted) == sorted(sids)
    assert [(j.kind, j.status, j.payload) for j in await jobs_in(db)] == [("twilio.purge", "done", b"")] * 2


async def test_an_officer_reply_is_texted_then_deleted_once_delivered(tw, tw_client, db) -> None:
    """Send, then delete: the notice goes out through the outbox, its delivery callback purges it."""
    number = "+14165550178"
    with FakeTwilio() as fake:
        runtime = worker_runtime(tw, fake.base_url)
        try:
            async with runtime.db.writing() as s:
                await queue_sms(s, runtime.public_keys.worker, SmsJob(to=number, language="fr"), ref="reply-1")
                await s.commit()
            worker = Worker(runtime)
            assert await worker.run_once() == 1
            assert [m["To"] for m in fake.messages] == [number]
            sent_sid = f"SM{1:032d}"
            callback = {"MessageSid": sent_sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID,
                        "To": number, "From": "+15005550006"}
            response = await tw_client.post("/twilio/sms/status", data=callback, headers={
                "x-twilio-signature": sign(PUBLIC_URL + "/twilio/sms/status", callback)})
            assert response.status_code == 204
            await due_now(db)
            assert await worker.run_once() == 1
        finally:
            await runtime.close()
    assert fake.deleted == [sent_sid]


async def test_a_message_already_gone_at_twilio_counts_as_purged(tw, tw_client, db) -> None:
    await Phone(tw_client, PUBLIC_URL, "+14165550179").text("HELP")
    with FakeTwilio() as fake:  # it knows no such message: 404
        runtime = worker_runtime(tw, fake.base_url)
        try:
            await due_now(db)
            assert await Worker(runtime).run_once() == 1
        finally:
            await runtime.close()
    assert [(j.status, j.last_error) for j in await jobs_in(db)] == [("done", None)]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_twilios_own_api_description_accepts_our_deletes_send_and_sender_lookup(tw, twilio_prism: str) -> None:
    runtime = worker_runtime(tw, twilio_prism)
    try:
        provider = TwilioProvider(runtime.settings)
        assert await provider.send("+14165550180", "Test")  # Prism answers 201 only to a valid request
        await provider.purge(PurgeJob(kind="message", sid="SM" + "a" * 32))  # and 204 to a valid delete
        # An MMS photo's file, then who sent a message (GET .../Messages/{Sid}.json): the photos job's calls.
        await provider.purge(PurgeJob(kind="media", sid="ME" + "b" * 32, parent="MM" + "a" * 32))
        assert await provider.sender_of("MM" + "a" * 32)
    finally:
        await runtime.close()



async def test_the_worker_works_with_any_provider_of_the_protocol(tw, tw_client, db) -> None:
    """A second implementation (in memory): texts and purges go through it, refusals fail the job at once."""
    await Phone(tw_client, PUBLIC_URL, "+14165550181").text("HELP")
    provider = LocalProvider(refuse=frozenset({"+14165550199"}))
    runtime = Runtime(tw.settings)
    try:
        async with runtime.db.writing() as s:
            await queue_sms(s, runtime.public_keys.worker, SmsJob(to="+14165550182", language="es"), ref="a")
            await queue_sms(s, runtime.public_keys.worker, SmsJob(to="+14165550199", language="en"), ref="b")
            await s.commit()
        await due_now(db)
        assert await Worker(runtime, provider).run_once() == 3
    finally:
        await runtime.close()
    assert [to for to, _ in provider.sent] == ["+14165550182"]
    assert len(provider.purged) == 1 and provider.purged[0].kind == "message"
    statuses = sorted((j.kind, j.status, j.last_error) for j in await jobs_in(db))
    assert statuses == [("sms.send", "done", None), ("sms.send", "failed", "PermanentSendError"),
                        ("twilio.purge", "done", None)]


async def test_texts_go_through_a_messaging_service_when_one_is_set(tw) -> None:
    with FakeTwilio() as fake:
        runtime = worker_runtime(tw, fake.base_url)
        runtime.settings = msgspec.structs.replace(runtime.settings, twilio_messaging_service_sid="MG" + "1" * 32)
        try:
            assert await TwilioProvider(runtime.settings).send("+14165550183", "Test")
        finally:
            await runtime.close()
    sent = fake.messages[0]
    assert sent["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in sent


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_twilios_own_api_description_accepts_a_text_through_a_messaging_service(tw, twilio_prism: str) -> None:
    runtime = worker_runtime(tw, twilio_prism)
    runtime.settings = msgspec.structs.replace(runtime.settings, twilio_messaging_service_sid="MG" + "1" * 32)
    try:
        assert await TwilioProvider(runtime.settings).send("+14165550184", "Test")
    finally:
        await runtime.close()
