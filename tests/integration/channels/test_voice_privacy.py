"""No phone number, CallSid, RecordingSid or audio in clear anywhere: a real ``signalement serve``, signed
call webhooks over a real socket, the worker sealing the statement, every byte checked.

A caller (a sentinel number) files a whole report by phone; its recording (sentinel audio) is fetched from
a local Twilio fake, sealed to the case and deleted there; the caller then follows up by keypad. A second
call is left half-way through the menus (its answers wait in the encrypted call row). Afterwards the
sentinel number (E.164, digits, hex digests, base64), every CallSid and RecordingSid (Twilio's keys to logs
that hold the number) and the audio are searched for in every file under the data directory, a full SQL
dump and the server's log.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select, update

from signalement.db.models import Case, Evidence, OutboxJob, VoiceCall, utcnow
from signalement.runtime import Runtime
from signalement.worker import Worker
from support.live import LiveServer
from support.privacy import Sentinels, files_under, find_leaks, postgres_dump, sqlite_dump
from support.twilio_calls import Call, FakeTwilioVoice, Turn
from support.twilio_peers import ACCOUNT_SID
from support.twilio_webhooks import TOKEN, new_sid

pytestmark = pytest.mark.both_databases


def _digits_heard(turn: Turn) -> str:
    return "".join(s.replace(", ", "") for s in turn.said if s.replace(", ", "").isdigit())


async def test_a_phone_report_and_follow_up_store_no_number_call_sid_or_audio(
        twilio_live: LiveServer, stack: Any) -> None:
    s = Sentinels.make()
    audio_marker = f"audio-sentinel-{secrets.token_hex(6)}".encode()
    audio = b"ID3\x03" + audio_marker * 64
    sids: list[str] = []
    async with httpx.AsyncClient(base_url=twilio_live.base_url, timeout=30,
                                 headers={"x-forwarded-for": s.forwarded_for}) as client:
        call = Call(client, twilio_live.base_url, s.phone_e164)
        sids.append(call.sid)
        await call.dial()
        for digits in ("1", "1", "56", "2", "1"):
            await call.press(digits)
        rsid = new_sid("RE")
        sids.append(rsid)
        turn, _ = await call.record(recording_sid=rsid)
        heard = _digits_heard(turn)
        code, secret = heard[:9], heard[9:25]
        assert await call.recording_ready(rsid) == 204
        assert await call.ended() == 204
        follow = Call(client, twilio_live.base_url, s.phone_e164)
        sids.append(follow.sid)
        await follow.dial()
        for digits in ("1", "2", code, secret):
            turn = await follow.press(digits)
        assert turn.hangs_up and turn.gather is not None  # the status was read, 1 to hear it again
        await follow.ended()
        half = Call(client, twilio_live.base_url, s.phone_e164)
        sids.append(half.sid)
        await half.dial()
        for digits in ("2", "1", "6", "1"):
            await half.press(digits)
        forged = await client.post("/twilio/voice", data={"CallSid": new_sid("CA"), "From": s.phone_e164},
                                   headers={"x-twilio-signature": "x"})
        assert forged.status_code == 403
    twilio_live.stop()

    settings = msgspec.structs.replace(stack.settings, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=TOKEN)
    with FakeTwilioVoice() as fake:
        fake.recordings[rsid] = audio
        fake.calls.update({call.sid, follow.sid})
        runtime = Runtime(msgspec.structs.replace(settings, twilio_api_base=fake.base_url))
        try:
            worker = Worker(runtime)
            await worker.run_once()
            async with runtime.db.writing() as session:
                await session.execute(update(OutboxJob).values(run_after=utcnow()))
                await session.commit()
            await worker.run_once()
        finally:
            await runtime.close()
    assert fake.fetched == [rsid] and fake.deleted_recordings == [rsid]
    assert set(fake.deleted_calls) == {call.sid, follow.sid}
    async with stack.runtime.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(VoiceCall)) == 1  # the half-way call
        assert await session.scalar(select(func.count()).select_from(Evidence).where(Evidence.kind == "audio")) == 1
        assert await session.scalar(select(func.count()).select_from(Case)) == 1
    await stack.runtime.db.dispose()
    blobs: dict[str, bytes] = {"server output": twilio_live.log_path.read_bytes()}
    if stack.backend == "sqlite":
        blobs["sql dump"] = sqlite_dump(Path(stack.settings.db_url.split("///", 1)[1]))
    else:
        blobs["pg_dump"] = postgres_dump(stack.settings.database_url.rsplit("/", 1)[1])
    blobs.update(files_under(stack.settings.data_path))
    assert blobs["server output"], "the server wrote nothing at all: the log search would be blind"
    assert find_leaks(s, blobs, allow=("narrative", "employer", "user_agent", "header", "query", "cookie",
                                       "client_ip")) == []
    for secret_value in (*sids, audio_marker.decode()):
        assert not [where for where, blob in blobs.items() if secret_value.encode() in blob], secret_value
    # The search can fail: the case code is stored in clear by design, and it is found.
    assert [where for where, blob in blobs.items() if code.encode() in blob]
