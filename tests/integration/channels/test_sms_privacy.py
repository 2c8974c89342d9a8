"""No phone number, message text or MessageSid is written anywhere: a real ``signalement serve``, signed texts
over a real socket, every byte checked.

A phone (a sentinel number) files a whole report by SMS, asking to be texted back (so its number *is* kept,
sealed), then follows up by code and secret and adds a message, then starts a second report and leaves it
half-way (its answers wait in the encrypted session row) after sending a photo by MMS, which the worker
fetches from a fake Twilio and stores sealed. Afterwards the sentinel number (E.164, its
digits, hex digests, base64), the sentinel story and employer, and every MessageSid are searched for in every
file under the data directory, a full SQL dump and everything the server wrote to its log; so is every
media SID. A MessageSid in clear would link our data to Twilio's log, which holds the number.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from integration.channels.conftest import worker_runtime
from signalement.db.models import Case, Evidence, SmsSession
from signalement.worker import Worker
from support.live import LiveServer
from support.privacy import Sentinels, everything_written, find_leaks
from support.twilio_peers import ACCOUNT_SID, FakeTwilio
from support.twilio_webhooks import new_sid, sign, twiml_texts
from unit.test_evidence import jpeg_with_gps

pytestmark = pytest.mark.both_databases
RECEIPT = re.compile(r"(\d{3}-\d{3}-\d{3}).*?(\d{4} \d{4} \d{4} \d{4})", re.S)


async def test_a_report_and_follow_up_by_sms_store_no_number_text_or_message_sid(
        twilio_live: LiveServer, stack: Any) -> None:
    s = Sentinels.make()
    sids: list[str] = []

    async def text(client: httpx.AsyncClient, body: str, media_sid: str = "") -> list[str]:
        sid = new_sid()
        sids.append(sid)
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": s.phone_e164,
                  "To": "+15005550006", "Body": body, "NumMedia": "0"}
        if media_sid:
            params.update(NumMedia="1", MediaContentType0="image/jpeg", MediaUrl0=(
                f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media/{media_sid}"))
        signature = sign(twilio_live.base_url + "/twilio/sms", params)
        response = await client.post("/twilio/sms", data=params, headers={"x-twilio-signature": signature,
                                                                          "x-forwarded-for": s.forwarded_for})
        assert response.status_code == 200, response.text
        return twiml_texts(response.text)

    async with httpx.AsyncClient(base_url=twilio_live.base_url, timeout=30) as client:
        for body in ("HELP", "5", "2", "ON", s.employer, f"They took my passport. {s.narrative}", "1", "1"):
            await text(client, body)
        receipt = RECEIPT.search((await text(client, "1"))[0])
        assert receipt, "no receipt"
        code, secret = receipt.groups()
        assert (await text(client, f"{code} {secret}"))
        assert await text(client, f"One more thing: {s.narrative} again.") == ["Added to your report."]
        await text(client, "0")
        # A second report left half-way: its answers wait in the session row, which must hold them encrypted.
        for body in ("AIDE", "6", "1", "QC", s.employer, f"Il me frappe. {s.narrative}"):
            await text(client, body)
        photo_sid = new_sid("ME")
        sids.append(photo_sid)
        assert await text(client, "", media_sid=photo_sid)
        # A forged text is refused, and its refusal logs nothing of it either.
        forged = await client.post("/twilio/sms", data={"From": s.phone_e164, "Body": s.narrative,
                                                        "MessageSid": new_sid()}, headers={"x-twilio-signature": "x"})
        assert forged.status_code == 403

    with FakeTwilio() as fake:  # the worker fetches the photo and stores it (sealed, staged for the draft)
        fake.media[photo_sid] = jpeg_with_gps()
        runtime = worker_runtime(stack, fake.base_url)
        try:
            await Worker(runtime).run_once(limit=100)
        finally:
            await runtime.close()
    assert fake.fetched == [photo_sid]
    twilio_live.stop()
    async with stack.runtime.db.reading() as session:  # the half-way report is there to be searched
        assert await session.scalar(select(func.count()).select_from(SmsSession)) == 1
        assert await session.scalar(select(func.count()).select_from(Evidence)) == 1
        assert await session.scalar(select(func.count()).select_from(Case).where(Case.contact_pref == "sms")) == 1
    await stack.runtime.db.dispose()
    blobs = everything_written(stack.settings, twilio_live.log_path)
    assert blobs["server output"], "the server wrote nothing at all: the log search would be blind"
    assert find_leaks(s, blobs, allow=("user_agent", "header", "query", "cookie", "client_ip")) == []
    for sid in sids:
        assert not [where for where, blob in blobs.items() if sid.encode() in blob], sid
    # The search can fail: the case code is stored in clear by design, and it is found.
    probe = msgspec.structs.replace(s, narrative=code.replace("-", ""))
    others = [n for n in msgspec.structs.asdict(s) if n != "narrative"]
    assert find_leaks(probe, blobs, allow=others) != []
