"""Whole phone calls against the running app: signed webhooks in, TwiML out (each step parsed), reports
filed by intake, the statement fetched, sealed and deleted at Twilio by the worker.

A report in every language with the receipt read back twice and repeated on request; the code heard on
the phone opening the case on the web portal's path and by keypad follow-up; # at every prompt; garbage
digits; silence; hanging up mid-statement; five concurrent replays of each kind of webhook.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select, update

from integration.channels.conftest import PUBLIC_URL
from integration.reporter.reporting import Reporter, add_officer_reply, build_opener
from signalement import i18n
from signalement.channels import voice_texts as t
from signalement.db.models import Case, OutboxJob, TwilioWebhook, VoiceCall, utcnow
from signalement.receipts import new_secret
from signalement.runtime import Runtime
from signalement.worker import Worker
from support.twilio_calls import Call, FakeTwilioVoice, Turn
from support.twilio_peers import ACCOUNT_SID
from support.twilio_webhooks import OTHER_TOKEN, TOKEN, sign

AUDIO = b"ID3\x03\x00\x00\x00" + bytes(range(256)) * 40  # stands in for an MP3 statement
STEP_URL = re.compile(re.escape(PUBLIC_URL) + r"/twilio/voice/step\?n=(\d+)$")


def tx(lang: str, message: str, **params: object) -> str:
    return t.text(lang, message, **params)


async def _count(db: Any, table: Any) -> int:
    async with db.reading() as s:
        return int(await s.scalar(select(func.count()).select_from(table)))


def _heard_receipt(turn: Turn) -> tuple[str, str]:
    """The code and secret as the caller hears them: digits said one by one, each read twice."""
    said = turn.said
    digits = [s for s in said if re.fullmatch(r"[\d, ]+", s)]
    # code in 3 groups of 3, secret in 4 groups of 4, all of it twice
    assert len(digits) == 14, said
    first, second = digits[:7], digits[7:]
    assert first == second
    code = "".join(first[:3]).replace(", ", "")
    secret = "".join(first[3:]).replace(", ", "")
    assert all(len(g.split(", ")) == 3 for g in first[:3]) and all(len(g.split(", ")) == 4 for g in first[3:])
    return code, secret


async def _report(call: Call, lang: str, *, danger: str = "1") -> Turn:
    """Menus to the statement, every step's TwiML checked. Returns the turn holding the <Record>."""
    menu = await call.dial()
    assert menu.gather is not None and menu.gather.get("numDigits") == "1" and menu.gather.get("input") == "dtmf"
    assert STEP_URL.match(menu.action)
    assert menu.said == [tx(lang_.code, t.LANGUAGE_CHOICE, digit=i) for i, lang_ in enumerate(i18n.LANGUAGES, 1)]
    assert len(menu.voices) == 8  # every language in its own voice
    digit = str([lang_.code for lang_ in i18n.LANGUAGES].index(lang) + 1)
    turn = await call.press(digit)
    assert turn.said == [tx(lang, t.MENU)] and turn.voices == {(t.VOICES[lang].name, t.VOICES[lang].language)}
    turn = await call.press("1")
    assert turn.said == [tx(lang, t.CATEGORY)] and turn.gather.get("finishOnKey") == "#"
    turn = await call.press("56")
    assert turn.said == [tx(lang, t.DANGER)]
    turn = await call.press(danger)
    if danger in ("1", "3"):
        assert turn.said == [tx(lang, t.CALL_911)]
        turn = await call.press("1")
    assert turn.said == [tx(lang, t.PROVINCE)]
    turn = await call.press("1")
    assert turn.said == [tx(lang, t.STATEMENT)]
    record = turn.record
    assert record is not None and record.get("transcribe") == "false" and record.get("finishOnKey") == "#"
    assert record.get("recordingStatusCallback") == PUBLIC_URL + "/twilio/voice/recording"
    assert STEP_URL.match(record.get("action", ""))
    return turn


async def test_a_whole_phone_report_in_each_language_is_filed_and_its_receipt_read_back_twice(tw, tw_client, db,
                                                                                            intake) -> None:
    opener = await build_opener(tw, db)
    for lang in [language.code for language in i18n.LANGUAGES]:  # one stack, eight calls
        call = Call(tw_client, PUBLIC_URL)  # a hidden caller: From=anonymous
        await _report(call, lang)
        turn, _rsid = await call.record()
        assert turn.said[0] == tx(lang, t.RECEIPT), lang
        code, secret = _heard_receipt(turn)
        assert tx(lang, t.ONCE_MORE) in turn.said and turn.gather is not None
        assert turn.said[-2:] == [tx(lang, t.HEAR_AGAIN), tx(lang, t.GOODBYE)] and turn.hangs_up
        assert any(p.get("rate") == "slow" for p in turn.root.iter("prosody"))
        assert turn.gather.get("actionOnEmptyResult") == "false"  # silence after the receipt: goodbye, not "sorry"
        again = await call.press("1")
        assert _heard_receipt(again) == (code, secret) and tx(lang, t.RECEIPT) not in again.said
        bye = await call.press("9")
        assert bye.said == [tx(lang, t.GOODBYE)] and bye.hangs_up and bye.gather is None
        assert await _count(db, VoiceCall) == 0  # the receipt is gone from our side once the caller is done

        case = await opener.case_by_code(code)
        assert case is not None and case.channel == "voice" and case.language == lang
        assert case.urgency == "immediate" and case.danger_now and case.province == "ON"
        assert case.submission_key.startswith("voice:") and call.sid not in case.submission_key
        # The code heard on the phone opens the case on the web portal's path.
        access = await intake.open_followup(code, secret, "test-client")
        assert access is not None and access.case_id == case.id


async def _jobs(db: Any, kind: str | None = None) -> list[OutboxJob]:
    async with db.reading() as s:
        query = select(OutboxJob).order_by(OutboxJob.id)
        if kind:
            query = query.where(OutboxJob.kind == kind)
        return list((await s.execute(query)).scalars())


async def _due_now(db: Any) -> None:
    async with db.writing() as s:  # time travel past the purge delays instead of sleeping
        await s.execute(update(OutboxJob).values(run_after=utcnow()))
        await s.commit()


def _worker_runtime(tw: Any, base: str) -> Runtime:
    settings = msgspec.structs.replace(tw.settings, twilio_api_base=base, twilio_account_sid=ACCOUNT_SID,
                                       twilio_auth_token=TOKEN)
    return Runtime(settings)


async def test_a_phone_report_is_followed_up_on_the_web_and_by_keypad_with_the_code_read_out(tw, tw_client,
                                                                                            db) -> None:
    call = Call(tw_client, PUBLIC_URL, "+14165550123")
    await _report(call, "es", danger="2")
    turn, _ = await call.record()
    code, secret = _heard_receipt(turn)
    await call.ended()
    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code)
    assert case is not None and not case.danger_now
    await add_officer_reply(tw.runtime, db, case.id, "Please call us back.")
    # On the web portal, with the digits as heard: the officer's message is read there.
    web = Reporter(tw_client, "en")
    await web.get("/en/follow-up")
    page = await web.post("/en/follow-up", {"code": code, "secret": secret}, keep=("_csrf_token",))
    assert page.status == 200 and page.h1 == "Your report", page.errors()
    assert "Please call us back." in page.text
    # A second call, by keypad: code, then secret; the status and the waiting message are heard.
    again = Call(tw_client, PUBLIC_URL)
    await again.dial()
    await again.press("3")
    turn = await again.press("2")
    assert turn.said == [tx("es", t.ENTER_CODE)] and turn.gather.get("finishOnKey") == "#"
    turn = await again.press(code + "#")
    assert turn.said == [tx("es", t.ENTER_SECRET)]
    turn = await again.press(secret)
    assert turn.said[:2] == [tx("es", t.STATUS["new"]), tx("es", t.MESSAGES_WAITING, count=1)]
    assert turn.said[2] == tx("es", t.HEAR_AGAIN) and turn.hangs_up
    assert "Please call us back." not in turn.body  # an officer's words are never spoken aloud
    turn = await again.press("1")
    assert turn.said[:2] == [tx("es", t.STATUS["new"]), tx("es", t.MESSAGES_WAITING, count=1)]
    # A wrong secret: calmly back to the code, nothing opened.
    third = Call(tw_client, PUBLIC_URL)
    await third.dial()
    await third.press("3")
    await third.press("2")
    await third.press(code)
    typo = secret[:-1] + str((int(secret[-1]) + 1) % 10)  # caught by the check digit: not a guess
    turn = await third.press(typo)
    assert turn.said == [tx("es", t.NOT_UNDERSTOOD), tx("es", t.ENTER_SECRET)]
    turn = await third.press(new_secret())  # well-formed, but not this case's
    assert turn.said == [tx("es", t.NOT_OPENED), tx("es", t.ENTER_CODE)]
    await third.press(code)
    turn = await third.press(secret)
    assert turn.said[0] == tx("es", t.STATUS["new"])


async def test_pound_alone_garbage_and_silence_at_every_prompt_get_the_same_question_and_lose_nothing(
        tw, tw_client, db) -> None:
    call = Call(tw_client, PUBLIC_URL)
    menu = await call.dial()
    turn = await call.press("#")
    assert turn.said[0] == tx("en", t.NOT_UNDERSTOOD) and turn.said[1:] == menu.said
    turn = await call.press("9")  # no ninth language
    assert turn.said[1:] == menu.said
    await call.press("2")  # French
    # Three misses in a row at a question are heard calmly (a fourth ends the call: the next test).
    questions = [("1", t.MENU, ("#", "", "77")), ("14", t.CATEGORY, ("#", "*", "0")),
                 ("2", t.DANGER, ("#", "A", "4")), ("2", t.PROVINCE, ("#", "", "12"))]
    for answer, question, bads in questions:
        for bad in bads:
            if bad == "A":
                turn = await call.post(call.last.action, call.params(Digits="A1"))  # not a keypad: same question
                call.last = turn
            else:
                turn = await call.press(bad)
            assert turn.said == [tx("fr", t.NOT_UNDERSTOOD), tx("fr", question)], (bad, turn.said)
        turn = await call.press(answer)
    assert turn.said == [tx("fr", t.STATEMENT)]
    # Silence at the statement: Twilio goes on to our <Redirect>; we say we heard nothing, and ask again.
    redirect = turn.root.find("Redirect")
    assert redirect is not None and redirect.text == turn.action
    call.last = await call.post(redirect.text, call.params())
    assert call.last.said == [tx("fr", t.NO_STATEMENT), tx("fr", t.STATEMENT)] and call.last.record is not None
    turn, _ = await call.record()
    code, _secret = _heard_receipt(turn)
    case = await build_opener(tw, db)
    filed = await case.case_by_code(code)
    assert filed is not None and filed.province == "QC" and filed.language == "fr"
    assert filed.categories and not filed.danger_now


async def test_four_misses_in_a_row_end_the_call_calmly_and_keep_nothing(tw_client, db) -> None:
    call = Call(tw_client, PUBLIC_URL)
    await call.dial()
    for _ in range(3):
        turn = await call.press("#")
        assert not turn.hangs_up
    turn = await call.press("#")
    assert turn.said == [tx("en", t.NO_ANSWER)] and turn.hangs_up
    assert await _count(db, VoiceCall) == 0 and await _count(db, Case) == 0


async def test_a_hang_up_mid_statement_keeps_and_seals_the_recording_and_no_receipt_is_given(
        tw, tw_client, db) -> None:
    call = Call(tw_client, PUBLIC_URL, "+14165550145")
    await _report(call, "tl")
    turn, rsid = await call.record(hang_up=True)
    assert not any(re.fullmatch(r"[\d, ]+", said) for said in turn.said)  # no code, no secret: nobody heard them
    assert await call.recording_ready(rsid) == 204
    assert await call.ended() == 204
    assert await _count(db, Case) == 1 and await _count(db, VoiceCall) == 0
    with FakeTwilioVoice() as fake:
        fake.recordings[rsid] = AUDIO
        fake.calls.add(call.sid)
        runtime = _worker_runtime(tw, fake.base_url)
        try:
            worker = Worker(runtime)
            assert await worker.run_once() == 1  # the recording; the deletions wait a little
            await _due_now(db)
            await worker.run_once()
        finally:
            await runtime.close()
    assert fake.fetched == [rsid] and fake.unauthorised == 0
    assert fake.deleted_recordings == [rsid] and fake.deleted_calls == [call.sid]
    opener = await build_opener(tw, db)
    async with db.reading() as s:
        case = await s.scalar(select(Case))
    files = await opener.evidence(case.id)
    assert [(e.kind, e.content_type, body) for e, body in files] == [("audio", "audio/mpeg", AUDIO)]
    assert {j.status for j in await _jobs(db)} == {"done"} and all(not j.payload for j in await _jobs(db))


async def test_a_hang_up_before_the_record_action_arrives_still_files_the_answers(tw, tw_client, db) -> None:
    call = Call(tw_client, PUBLIC_URL)
    await _report(call, "vi", danger="2")
    assert await call.ended() == 204  # the call-status webhook came first
    turn, _ = await call.record(hang_up=True)  # then the <Record> action: the call is over, nothing twice
    assert turn.hangs_up
    async with db.reading() as s:
        cases = list((await s.execute(select(Case))).scalars())
    assert len(cases) == 1 and cases[0].language == "vi" and cases[0].channel == "voice"


async def test_a_call_that_ends_at_the_menus_files_nothing_and_its_log_is_deleted_soon(tw_client, db) -> None:
    call = Call(tw_client, PUBLIC_URL)
    await call.dial()
    await call.press("1")
    assert await _count(db, VoiceCall) == 1
    assert await call.ended() == 204
    assert await _count(db, VoiceCall) == 0 and await _count(db, Case) == 0
    assert [j.kind for j in await _jobs(db)] == ["twilio.purge"]


@pytest.mark.both_databases
async def test_five_concurrent_replays_of_each_webhook_have_one_effect_and_the_same_twiml(tw, tw_client, db) -> None:
    call = Call(tw_client, PUBLIC_URL)
    first = await asyncio.gather(*(call.post(PUBLIC_URL + "/twilio/voice", call.params()) for _ in range(5)))
    assert {r.status for r in first} == {200} and len({r.body for r in first}) == 1
    call.last = first[0]
    for digits in ("1", "1", "5", "2", "3"):
        params = call.params(Digits=digits)
        replies = await asyncio.gather(*(call.post(call.last.action, dict(params)) for _ in range(5)))
        assert {r.status for r in replies} == {200} and len({r.body for r in replies}) == 1, digits
        call.last = replies[0]
    assert call.last.record is not None
    rsid = "RE" + "a" * 32
    params = call.params(RecordingSid=rsid, RecordingUrl="https://api.twilio.com/x", RecordingDuration="9",
                         Digits="#")
    replies = await asyncio.gather(*(call.post(call.last.action, dict(params)) for _ in range(5)))
    assert {r.status for r in replies} == {200} and len({r.body for r in replies}) == 1
    code, _ = _heard_receipt(replies[0])
    assert await _count(db, Case) == 1
    statuses = await asyncio.gather(*(call.recording_ready(rsid) for _ in range(5)))
    assert set(statuses) == {204}
    assert len(await _jobs(db, "voice.recording")) == 1
    ended = await asyncio.gather(*(call.ended() for _ in range(5)))
    assert set(ended) == {204}
    assert await call.ended("canceled") == 204  # another final status of the same call: nothing more
    assert len(await _jobs(db, "twilio.purge")) == 1 and await _count(db, VoiceCall) == 0
    async with db.reading() as s:
        kinds = list((await s.execute(select(TwilioWebhook.kind))).scalars())
    assert sorted(kinds) == sorted(["voice"] * 8 + ["recording"])  # start, 6 steps, status; one recording
    assert code


async def test_the_worker_fetches_with_basic_auth_and_deletes_the_recording_and_call_checked_by_prism(
        tw, tw_client, db, twilio_prism: str) -> None:
    call = Call(tw_client, PUBLIC_URL)
    await _report(call, "zh", danger="2")
    _turn, rsid = await call.record()
    await call.recording_ready(rsid)
    await call.ended()
    with FakeTwilioVoice() as fake:
        fake.recordings[rsid] = AUDIO
        fake.calls.add(call.sid)
        runtime = _worker_runtime(tw, fake.base_url)
        try:
            assert await Worker(runtime).run_once() == 1
        finally:
            await runtime.close()
    assert fake.fetched == [rsid]
    purges = await _jobs(db, "twilio.purge")
    assert len(purges) == 3  # the recording, the call (after sealing), and the call again (its end, a backstop)
    # Prism checks the delete requests against Twilio's own OpenAPI description.
    await _due_now(db)
    runtime = _worker_runtime(tw, twilio_prism)
    try:
        assert await Worker(runtime).run_once() == 3
    finally:
        await runtime.close()
    assert {j.status for j in await _jobs(db, "twilio.purge")} == {"done"}


async def test_a_recording_that_arrives_before_its_report_is_filed_is_retried_not_lost(tw, tw_client, db) -> None:
    call = Call(tw_client, PUBLIC_URL)
    await _report(call, "hi", danger="2")
    rsid = "RE" + "b" * 32
    assert await call.recording_ready(rsid) == 204  # Twilio's recording callback raced ahead of the action
    with FakeTwilioVoice() as fake:
        fake.recordings[rsid] = AUDIO
        runtime = _worker_runtime(tw, fake.base_url)
        try:
            worker = Worker(runtime)
            assert await worker.run_once() == 1
            job = (await _jobs(db, "voice.recording"))[0]
            assert job.status == "pending" and job.last_error == "CaseNotFiledYetError" and not fake.fetched
            await call.record(recording_sid=rsid)
            await _due_now(db)
            assert await worker.run_once() == 1
        finally:
            await runtime.close()
    assert fake.fetched == [rsid] and (await _jobs(db, "voice.recording"))[0].status == "done"


async def test_an_unsigned_or_altered_voice_webhook_is_refused_and_writes_nothing(tw_client, db) -> None:
    call = Call(tw_client, PUBLIC_URL)
    for path in ("/twilio/voice", "/twilio/voice/step?n=1", "/twilio/voice/recording", "/twilio/voice/status"):
        for attack in ("no signature", "other token", "turn changed", "tampered body"):
            params = call.params(Digits="1", RecordingSid="RE" + "c" * 32, RecordingStatus="completed")
            url, sent_to = PUBLIC_URL + path, path
            headers = {"x-twilio-signature": sign(url, params, OTHER_TOKEN if attack == "other token" else TOKEN)}
            if attack == "no signature":
                headers = {}
            if attack == "turn changed":
                sent_to = path + ("&n=2" if "?" in path else "?n=2")  # signed for one URL, sent to another
            if attack == "tampered body":
                params = {**params, "Digits": "2"}
            response = await tw_client.post(sent_to, data=params, headers=headers)
            assert response.status_code == 403, (path, attack)
            assert await _count(db, VoiceCall) == 0 and await _count(db, TwilioWebhook) == 0
            assert await _count(db, OutboxJob) == 0 and await _count(db, Case) == 0
    # The test can fail: correctly signed, the same requests are answered (and leave their marks).
    for path in ("/twilio/voice", "/twilio/voice/recording", "/twilio/voice/status"):
        good = call.params(Digits="1", RecordingSid="RE" + "c" * 32, RecordingStatus="completed",
                           CallStatus="completed" if path.endswith("status") else "in-progress")
        ok = await tw_client.post(path, data=good, headers={"x-twilio-signature": sign(PUBLIC_URL + path, good)})
        assert ok.status_code in (200, 204), path
    assert await _count(db, TwilioWebhook) == 3
