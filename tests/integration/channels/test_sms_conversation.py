"""Whole SMS conversations against the running app: signed texts in, TwiML out, reports filed by intake.

A report in English, French, Spanish and Tagalog; follow-up by code and secret over SMS (status, an
officer's reply, a message added to the case) and on the web portal with the texted code; STOP mid-way;
a conversation lost to the idle timeout; garbage at every question; ten texts in one second; a
1,600-character text; emoji only; a ninth language; STOP then HELP.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select, update

from integration.channels.conftest import PUBLIC_URL
from integration.reporter.reporting import add_officer_reply, build_opener
from signalement.channels import sms_texts as t
from signalement.channels.expiry import forget_expired
from signalement.channels.lockbox import Lockbox
from signalement.channels.sms_sessions import Conversation
from signalement.db.models import Case, Message, OutboxJob, SmsSession, TwilioWebhook, utcnow
from support.twilio_webhooks import Phone, new_sid, sign

RECEIPT = re.compile(r"(\d{3}-\d{3}-\d{3}).*?(\d{4} \d{4} \d{4} \d{4})", re.S)

GREETING = {"en": "HELP", "fr": "AIDE", "es": "AYUDA", "tl": "TULONG"}
STORY = {
    "en": ["My boss took my passport.", "He says I cannot leave the farm."],
    "fr": ["Mon patron a pris mon passeport.", "Il dit que je ne peux pas partir."],
    "es": ["Mi jefe me quitó el pasaporte.", "Dice que no puedo salir de la granja."],
    "tl": ["Kinuha ng amo ko ang pasaporte ko.", "Sabi niya hindi ako puwedeng umalis."],
}


def _number(n: int = 0) -> str:
    return f"+1416555{(int(time.monotonic_ns()) + n) % 10000:04d}"


async def _count(db: Any, table: Any) -> int:
    async with db.reading() as s:
        return int(await s.scalar(select(func.count()).select_from(table)))


async def _report(phone: Phone, lang: str, *, danger: str = "1", contact: str = "2") -> tuple[list[str], str]:
    """A whole report; returns the last reply and the confirming text's MessageSid."""
    tx = lambda m, **k: t.text(lang, m, **k)  # noqa: E731
    assert await phone.text(GREETING[lang]) == [tx(t.CATEGORY_MENU)]
    assert await phone.text("5 6") == [tx(t.DANGER)]
    expected = [tx(t.CALL_911), tx(t.PROVINCE)] if danger in ("1", "3") else [tx(t.PROVINCE)]
    assert await phone.text(danger) == expected
    assert await phone.text("ON") == [tx(t.EMPLOYER)]
    assert await phone.text("Ferme Tremblay") == [tx(t.STORY)]
    for part in STORY[lang]:
        assert await phone.text(part) == [tx(t.STORY_MORE)]
    assert await phone.text("1") == [tx(t.CONTACT)]
    # The words were sealed as they came: the confirmation says how many texts, never what they said.
    assert await phone.text(contact) == [tx(t.STORY_COUNT, count=len(STORY[lang])), tx(t.CONFIRM)]
    sid = new_sid()
    return await phone.text("1", sid=sid), sid


@pytest.mark.parametrize("lang", ["en", "fr", "es", "tl"])
async def test_a_whole_report_by_sms_is_filed_like_a_web_one_with_its_receipt(tw, tw_client, db, intake,
                                                                              lang) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    last, sid = await _report(phone, lang)
    assert len(last) == 1
    match = RECEIPT.search(last[0])
    assert match, last
    code, secret = match.groups()
    assert last[0] == t.text(lang, t.RECEIPT, code=code, secret=secret)
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    assert case is not None and case.channel == "sms" and case.language == lang
    assert case.urgency == "immediate" and case.danger_now and case.province == "ON"
    assert case.contact_pref == "code"
    assert sid not in case.submission_key and case.submission_key.startswith("sms:")
    fields = await opener.fields(case.id)
    assert "narrative" not in fields  # sealed text by text as it came, never as one clear story
    assert await opener.story(case.id) == "\n\n".join(STORY[lang])
    assert "phone" not in fields  # not asked to be texted: the number is not kept, even sealed
    assert await _count(db, SmsSession) == 0  # the conversation is gone once filed
    # The same code and secret open the case on the web portal's path.
    access = await intake.open_followup(code, secret, "test-client")
    assert access is not None and access.case_id == case.id


@pytest.mark.both_databases
async def test_the_confirming_text_replayed_five_times_files_one_report_with_one_receipt(tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    for body in ("HELP", "1", "2", "0", "0", "Not paid for 3 weeks", "1", "2"):
        await phone.text(body)
    params = phone.params("1")
    replies = await asyncio.gather(*(phone.post(dict(params)) for _ in range(5)))
    assert {r.status for r in replies} == {200} and len({r.body for r in replies}) == 1
    assert RECEIPT.search(replies[0].texts[0])
    assert await _count(db, Case) == 1


async def test_texting_back_is_kept_sealed_only_when_asked_for(tw, tw_client, db) -> None:
    number = _number()
    phone = Phone(tw_client, PUBLIC_URL, number)
    last, _ = await _report(phone, "en", danger="2", contact="1")
    code = RECEIPT.search(last[0]).group(1)
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    assert case.contact_pref == "sms"
    fields = await opener.fields(case.id)
    assert opener.open(fields["phone"], case.id, "phone").decode() == number


@pytest.mark.both_databases
async def test_follow_up_by_sms_reads_the_status_and_an_officers_reply_and_adds_a_message(tw, tw_client, db,
                                                                                          intake) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    last, _ = await _report(phone, "fr", danger="2")
    code, secret = RECEIPT.search(last[0]).groups()
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    await add_officer_reply(tw.runtime, db, case.id, "Pouvez-vous nous appeler?")
    opened = await phone.text(f"{code} {secret}")
    assert opened == [t.text("en", t.STATUS["new"]), t.text("en", t.FOLLOWUP_WAITING, count=1),
                      t.text("en", t.FOLLOWUP_MENU)]  # a new conversation: English until chosen
    assert await phone.text("1") == ["Pouvez-vous nous appeler?"]
    assert await phone.text("Status") == [t.text("en", t.STATUS["new"]), t.text("en", t.FOLLOWUP_WAITING, count=1)]
    assert await phone.text("Oui, demain matin.") == [t.text("en", t.FOLLOWUP_ADDED)]
    for garbage in ("", " \x07 "):  # nothing to add: asked again, nothing added
        assert await phone.text(garbage) == [t.text("en", t.NOT_UNDERSTOOD), t.text("en", t.FOLLOWUP_MENU)]
    async with db.reading() as s:
        authors = (await s.execute(select(Message.author, Message.channel).where(Message.case_id == case.id)
                                   .order_by(Message.seq))).all()
    assert [tuple(a) for a in authors] == [("officer", "web"), ("reporter", "sms")]
    # The web portal's path reads what was added by SMS, with the texted code.
    access = await intake.open_followup(code, secret, "web-client")
    _status, thread = await intake.thread(access)
    assert [m.text for m in thread] == ["Pouvez-vous nous appeler?", "Oui, demain matin."]
    assert await phone.text("0") == [t.text("en", t.FOLLOWUP_ENDED)]
    assert await _count(db, SmsSession) == 0


async def test_a_wrong_secret_is_refused_calmly_and_costs_a_guess(tw_client) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    texts = await phone.text("123-456-780 1234 5678 9012 3452")
    assert texts[-1] == t.LANGUAGE_MENU


async def test_stop_mid_conversation_ends_it_and_deletes_every_answer(tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    for body in ("AYUDA", "1", "2", "QC", "0", "Me deben dinero"):
        await phone.text(body)
    assert await _count(db, SmsSession) == 1
    assert await phone.text("ALTO") == [t.text("es", t.STOPPED)]
    assert await _count(db, SmsSession) == 0 and await _count(db, Case) == 0
    # HELP afterwards starts afresh, in English, with nothing of the old conversation.
    assert await phone.text("HELP") == [t.text("en", t.CATEGORY_MENU)]


async def test_a_conversation_idle_past_the_timeout_is_lost_and_starts_again_calmly(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    for body in ("AIDE", "1", "2"):
        await phone.text(body)
    # Thirty-one minutes later (time travel: the deadline is inside the encrypted state).
    box = Lockbox(tw.runtime.settings.key_list("blind_index_keys"))
    index = box.phone_index(phone.number)
    async with db.writing() as s:
        row = await s.get(SmsSession, index)
        state = msgspec.msgpack.decode(box.unlock("sms-session", phone.number, index, row.state), type=Conversation)
        state.idle_until = time.time() - 60
        row.state = box.lock("sms-session", phone.number, index, msgspec.msgpack.encode(state))
        await s.commit()
    texts = await phone.text("ON")
    assert texts[0] == t.text("fr", t.TIMED_OUT, minutes=30)
    assert texts[-1] == t.LANGUAGE_MENU  # "ON" means nothing at the start: the menu, calmly


@pytest.mark.parametrize("garbage", ["", "😀😀😀", "zzz", "99", "x" * 1600, "STATUS"])  # STATUS: a keyword out of place
async def test_garbage_at_every_question_gets_a_calm_re_prompt_and_keeps_the_answers(tw_client, db, garbage) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    answers = [("HELP", t.CATEGORY_MENU), ("3", t.DANGER), ("2", t.PROVINCE), ("BC", t.EMPLOYER),
               ("0", t.STORY), ("It hurts", t.STORY_MORE), ("1", t.CONTACT), ("2", t.CONFIRM)]
    for body, question in answers:
        count = [t.text("en", t.STORY_COUNT, count=1)] if question == t.CONFIRM else []
        assert await phone.text(body) == [*count, t.text("en", question)]
        if question in (t.STORY_MORE, t.STORY):
            continue  # in the story, any text is the reporter's words
        if question == t.EMPLOYER and garbage in ("zzz", "99", "STATUS"):
            continue  # a name like any other
        again = await phone.text(garbage)
        assert again[-1] == t.text("en", question) and len(again) == 2, (question, again)
        if question == t.EMPLOYER and garbage == "x" * 1600:
            assert again[0] == t.text("en", t.TOO_LONG)
    last = await phone.text("1")
    assert RECEIPT.search(last[0])
    async with db.reading() as s:
        case = await s.scalar(select(Case))
    assert case.province == "BC" and case.danger_now is False


async def test_a_first_text_in_a_ninth_language_or_emoji_gets_the_numbered_menu(tw_client) -> None:
    for body in ("Bonjou, mwen bezwen èd", "😀", "Привет", "JOIN"):  # JOIN: a keyword we do not know
        phone = Phone(tw_client, PUBLIC_URL, _number())
        assert await phone.text(body) == [t.LANGUAGE_MENU]
        assert await phone.text(body) == [t.text("en", t.NOT_UNDERSTOOD), t.LANGUAGE_MENU]  # and again, calmly
        assert await phone.text("7") == [t.text("vi", t.CATEGORY_MENU)]


async def test_a_number_that_texts_stop_first_then_help_is_answered_each_time_and_nothing_is_kept(tw_client,
                                                                                                  db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    assert await phone.text("STOP") == [t.text("en", t.STOPPED)]
    assert await _count(db, SmsSession) == 0
    assert await phone.text("HELP") == [t.text("en", t.CATEGORY_MENU)]
    assert await phone.text("ARRET") == [t.text("en", t.STOPPED)]
    assert (await _count(db, SmsSession), await _count(db, Case)) == (0, 0)


@pytest.mark.both_databases
async def test_ten_texts_in_one_second_each_get_an_answer_and_the_story_keeps_every_one(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    for body in ("HELP", "1", "2", "ON", "0"):
        await phone.text(body)
    parts = [f"part {i} " + "é" * 1590 for i in range(10)]  # 1,600 characters each
    replies = await asyncio.gather(*(phone.post(phone.params(p)) for p in parts))
    assert {r.status for r in replies} == {200}
    assert await phone.text("1") == [t.text("en", t.CONTACT)]
    await phone.text("2")
    code = RECEIPT.search((await phone.text("1"))[0]).group(1)
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    story = await opener.story(case.id)
    assert sorted(story.split("\n\n")) == sorted(parts)


async def test_outbound_purge_jobs_are_queued_for_each_inbound_text_and_status_callback(tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, _number())
    await phone.text("HELP")
    reply_sid = new_sid()
    status = {"MessageSid": reply_sid, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32,
              "To": phone.number, "From": "+15005550006"}
    sig = sign(PUBLIC_URL + "/twilio/sms/status", status)
    response = await tw_client.post("/twilio/sms/status", data=status, headers={"x-twilio-signature": sig})
    assert response.status_code == 204
    queued = await tw_client.post("/twilio/sms/status", data={**status, "MessageStatus": "queued"},
                                  headers={"x-twilio-signature": sign(PUBLIC_URL + "/twilio/sms/status",
                                                                      {**status, "MessageStatus": "queued"})})
    assert queued.status_code == 204  # not final yet: nothing to purge
    async with db.reading() as s:
        jobs = (await s.execute(select(OutboxJob))).scalars().all()
    assert [j.kind for j in jobs] == ["twilio.purge", "twilio.purge"]
    raw = await phone.post(phone.params("2"))  # every reply asks Twilio to report its delivery to us
    assert f'action="{PUBLIC_URL}/twilio/sms/status"' in raw.body and 'method="POST"' in raw.body
    for job in jobs:  # the SID is sealed to the worker key, never in clear
        assert reply_sid.encode() not in job.payload and reply_sid not in (job.dedupe_key or "")


async def test_expired_conversations_and_replay_rows_are_deleted_by_housekeeping(tw_client, db) -> None:
    old, fresh = Phone(tw_client, PUBLIC_URL, _number()), Phone(tw_client, PUBLIC_URL, _number(7))
    await old.text("HELP")
    await fresh.text("AIDE")
    assert (await _count(db, SmsSession), await _count(db, TwilioWebhook)) == (2, 2)
    async with db.writing() as s:  # one conversation and its replay row are past their deletion hour
        index = Lockbox(tw_client.app.state.runtime.settings.key_list("blind_index_keys")).phone_index(old.number)
        await s.execute(update(SmsSession).where(SmsSession.phone_index == index)
                        .values(delete_after=utcnow() - dt.timedelta(minutes=1)))
        first = await s.scalar(select(TwilioWebhook.sid_index).limit(1))
        await s.execute(update(TwilioWebhook).where(TwilioWebhook.sid_index == first)
                        .values(delete_after=utcnow() - dt.timedelta(minutes=1)))
        await s.commit()
    assert await forget_expired(db) == 2
    assert (await _count(db, SmsSession), await _count(db, TwilioWebhook)) == (1, 1)
    assert await fresh.text("1") == [t.text("fr", t.DANGER)]  # the other conversation goes on


@pytest.mark.both_databases
async def test_two_replicas_given_the_same_confirming_text_file_once_and_answer_the_same_receipt(
    tw, tw_client, db, intake
) -> None:
    """No per-number lock spans processes: the UNIQUE reply row and intake's submission key do the work."""
    from litestar.testing import AsyncTestClient

    from signalement.app import create_app
    from signalement.runtime import Runtime

    phone = Phone(tw_client, PUBLIC_URL, _number())
    for body in ("HELP", "2", "2", "MB", "0", "Too many hours", "1", "2"):
        await phone.text(body)
    other_runtime = Runtime(tw.settings)
    try:
        async with AsyncTestClient(create_app(tw.settings, runtime=other_runtime),
                                   raise_server_exceptions=False) as other_client:
            replica = Phone(other_client, PUBLIC_URL, phone.number)
            params = phone.params("1")
            replies = await asyncio.gather(phone.post(dict(params)), replica.post(dict(params)),
                                           phone.post(dict(params)), replica.post(dict(params)))
    finally:
        await other_runtime.close()
    assert {r.status for r in replies} == {200} and len({r.body for r in replies}) == 1
    code, secret = RECEIPT.search(replies[0].texts[0]).groups()
    assert await _count(db, Case) == 1
    assert await intake.open_followup(code, secret, "test-client") is not None  # the texted secret is the real one


async def test_a_report_by_sms_shows_in_the_officer_queue_like_a_web_one_with_its_channel(tw, tw_client, db) -> None:
    from signalement.db.models import Role
    from support.officers import create_officer, sign_in

    phone = Phone(tw_client, PUBLIC_URL, _number())
    last, _ = await _report(phone, "tl", danger="2")
    code = RECEIPT.search(last[0]).group(1).replace("-", "")  # the queue shows the digits
    supervisor = await create_officer(tw.runtime, tw.admin, Role.SUPERVISOR, region=None)
    await sign_in(tw_client, tw.runtime, supervisor)
    page = await tw_client.get("/officer/queue", params={"channel": "sms"})
    assert page.status_code == 200
    assert code in page.text and "Text message, Tagalog" in page.text
    other = await tw_client.get("/officer/queue", params={"channel": "web"})
    assert code not in other.text


async def test_a_sender_we_cannot_text_back_can_report_but_is_not_kept_for_texts(tw, tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, "+1234")  # not a reachable number (a short code, a sender name)
    last, _ = await _report(phone, "en", danger="2", contact="1")
    code = RECEIPT.search(last[0]).group(1)
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    assert case.contact_pref == "code" and "phone" not in await opener.fields(case.id)


async def test_a_failure_while_handling_a_text_gets_a_calm_reply_keeps_nothing_and_a_retry_works(
    tw, tw_client, db
) -> None:
    """A real fault: the worker's public key goes missing, so the purge job cannot be sealed."""
    from signalement.errors import REPORTER_MESSAGES

    phone = Phone(tw_client, PUBLIC_URL, _number())
    worker_key = tw.settings.key_path / "worker.json"
    hidden = worker_key.with_suffix(".away")
    params = phone.params("HELP")
    worker_key.rename(hidden)
    try:
        reply = await phone.post(dict(params))
    finally:
        hidden.rename(worker_key)
    assert reply.status == 200 and reply.texts == [t.text("en", REPORTER_MESSAGES[500][1])]
    assert "Traceback" not in reply.body
    assert (await _count(db, SmsSession), await _count(db, TwilioWebhook), await _count(db, OutboxJob)) == (0, 0, 0)
    again = await phone.post(dict(params))  # Twilio's retry, or the same text sent again
    assert again.texts == [t.text("en", t.CATEGORY_MENU)]
