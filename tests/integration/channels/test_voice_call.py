"""Whole phone calls against the running app: signed webhooks in, TwiML out (each step parsed), reports
filed by intake, the statement fetched, sealed and deleted at Twilio by the worker.

A report in every language with the receipt read back twice and repeated on request; the code heard on
the phone opening the case on the web portal's path and by keypad follow-up; # at every prompt; garbage
digits; silence; hanging up mid-statement; five concurrent replays of each kind of webhook.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from integration.channels.conftest import PUBLIC_URL
from integration.reporter.reporting import build_opener
from signalement import i18n
from signalement.channels import voice_texts as t
from signalement.db.models import VoiceCall
from support.twilio_calls import Call, Turn

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
    lang_code, lang_secret = said.index, None  # noqa: F841 - readability below
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


@pytest.mark.parametrize("lang", [lang.code for lang in i18n.LANGUAGES])
async def test_a_whole_phone_report_is_filed_and_its_receipt_read_back_twice(tw, tw_client, db, intake,
                                                                             lang) -> None:
    call = Call(tw_client, PUBLIC_URL)  # a hidden caller: From=anonymous
    await _report(call, lang)
    turn, _rsid = await call.record()
    assert turn.said[0] == tx(lang, t.RECEIPT)
    code, secret = _heard_receipt(turn)
    assert tx(lang, t.ONCE_MORE) in turn.said and turn.gather is not None
    assert turn.said[-2:] == [tx(lang, t.HEAR_AGAIN), tx(lang, t.GOODBYE)] and turn.hangs_up
    assert any(p.get("rate") == "slow" for p in turn.root.iter("prosody"))
    again = await call.press("1")
    assert _heard_receipt(again) == (code, secret) and tx(lang, t.RECEIPT) not in again.said
    bye = await call.press("9")
    assert bye.said == [tx(lang, t.GOODBYE)] and bye.hangs_up and bye.gather is None
    assert await _count(db, VoiceCall) == 0  # the receipt is gone from our side once the caller is done

    opener = await build_opener(tw, db)
    case = await opener.case_by_code(code[:3] + "-" + code[3:6] + "-" + code[6:])
    assert case is not None and case.channel == "voice" and case.language == lang
    assert case.urgency == "immediate" and case.danger_now and case.province == "ON"
    assert case.submission_key.startswith("voice:") and call.sid not in case.submission_key
    # The code heard on the phone opens the case on the web portal's path.
    access = await intake.open_followup(code, secret, "test-client")
    assert access is not None and access.case_id == case.id
