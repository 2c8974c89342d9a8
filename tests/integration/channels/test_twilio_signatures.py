"""Every /twilio/* request is signed for our public URL, or it is refused before anything is written.

Signatures are made with Twilio's own ``RequestValidator`` over the URL Twilio would call. The attacker
controls Host and X-Forwarded-*, so a signature over a URL they chose must never pass; behind a TLS proxy
the app sees plain HTTP on another port, and the public URL still verifies.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from integration.channels.conftest import PUBLIC_URL, make_stack
from signalement.channels import sms_texts
from signalement.channels.signature import public_url_for
from signalement.db.models import Case, OutboxJob, SmsSession, TwilioWebhook
from support import pg
from support.twilio_webhooks import OTHER_TOKEN, TOKEN, Phone, new_sid, sign

NUMBER = "+14165550142"


async def _rows(db: Any) -> dict[str, int]:
    async with db.reading() as s:
        return {t.__tablename__: await s.scalar(select(func.count()).select_from(t))
                for t in (TwilioWebhook, SmsSession, OutboxJob, Case)}


NOTHING = {"twilio_webhooks": 0, "sms_sessions": 0, "outbox": 0, "cases": 0}


async def test_a_signed_text_is_answered_and_leaves_its_marks(tw_client, db) -> None:
    reply = await Phone(tw_client, PUBLIC_URL, NUMBER).post(Phone(tw_client, PUBLIC_URL, NUMBER).params("HELP"))
    assert reply.status == 200 and reply.texts, reply.body
    rows = await _rows(db)
    assert rows["twilio_webhooks"] == 1 and rows["sms_sessions"] == 1 and rows["outbox"] == 1  # the test can fail


@pytest.mark.parametrize("attack", ["no signature", "other token", "host url", "forwarded url", "tampered body",
                                    "query dropped", "empty signature"])
async def test_an_unsigned_or_wrongly_signed_text_is_refused_and_writes_nothing(tw_client, db, attack) -> None:
    phone = Phone(tw_client, PUBLIC_URL, NUMBER)
    params = phone.params("HELP")
    path = "/twilio/sms"
    headers: dict[str, str] = {}
    url = PUBLIC_URL + path
    signature = sign(url, params)
    if attack == "no signature":
        signature = None
    elif attack == "empty signature":
        signature = ""
    elif attack == "other token":
        signature = sign(url, params, OTHER_TOKEN)
    elif attack == "host url":  # what a framework's request.url would give: the test client's Host
        signature = sign("http://testserver.local" + path, params)
    elif attack == "forwarded url":  # an attacker's own URL, announced in the proxy headers
        headers = {"x-forwarded-host": "evil.example", "x-forwarded-proto": "https", "host": "evil.example"}
        signature = sign("https://evil.example" + path, params)
    elif attack == "tampered body":
        params = {**params, "Body": "HELP"}
        signature = sign(url, params)
        params["Body"] = "AIDE"
    elif attack == "query dropped":  # signed with a query, sent without it
        signature = sign(url + "?lang=fr", params)
    if signature is not None:
        headers["x-twilio-signature"] = signature
    response = await tw_client.post(path, data=params, headers=headers)
    assert response.status_code == 403
    assert "Traceback" not in response.text and NUMBER not in response.text
    assert await _rows(db) == NOTHING


async def test_a_status_callback_without_a_signature_is_refused(tw_client, db) -> None:
    response = await tw_client.post("/twilio/sms/status", data={"MessageSid": new_sid(), "MessageStatus": "delivered"})
    assert response.status_code == 403
    assert await _rows(db) == NOTHING


@pytest.mark.parametrize(("public", "signed_base"), [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("https://tips.example.ca/", "https://tips.example.ca"),  # trailing slash in the setting
    ("https://tips.example.ca", "https://tips.example.ca:443"),  # Twilio sometimes signs the default port
    ("https://tips.example.ca:8443/", "https://tips.example.ca:8443"),  # a non-default port, trailing slash
    ("https://example.org/tips", "https://example.org/tips"),  # served under a path prefix by the proxy
])
async def test_the_public_url_verifies_behind_a_tls_proxy_whatever_the_app_sees(
    backend: str, templates: Any, tmp_path: Path, public: str, signed_base: str
) -> None:
    stack, database = await make_stack(backend, templates, tmp_path, public_url=public)
    try:
        # The proxy talks plain HTTP to the app on its own address: the Host the app sees is not the public one.
        async with AsyncTestClient(stack.app, base_url="http://10.0.0.5:8000", raise_server_exceptions=False) as c:
            phone = Phone(c, signed_base, NUMBER)
            assert (await phone.post(phone.params("HELP"))).status == 200
            # With the query Twilio was given, the raw query is part of what is signed.
            params = phone.params("AIDE")
            signature = sign(signed_base.rstrip("/") + "/twilio/sms?lang=fr&x=%20y", params)
            ok = await c.post("/twilio/sms?lang=fr&x=%20y", data=params, headers={"x-twilio-signature": signature})
            assert ok.status_code == 200
            # Host and X-Forwarded-* are ignored: signing for what they announce fails.
            forged = phone.params("HELP")
            forged_sig = sign("http://10.0.0.5:8000/twilio/sms", forged)
            bad = await c.post("/twilio/sms", data=forged, headers={"x-twilio-signature": forged_sig})
            assert bad.status_code == 403
    finally:
        await stack.runtime.close()
        if database:
            pg.drop_database(database)


async def test_a_previous_token_verifies_during_rotation_and_an_unknown_one_never(
    backend: str, templates: Any, tmp_path: Path
) -> None:
    stack, database = await make_stack(backend, templates, tmp_path, twilio_auth_token=OTHER_TOKEN,
                                       twilio_previous_auth_tokens=TOKEN)
    try:
        async with AsyncTestClient(stack.app, raise_server_exceptions=False) as c:
            for token, status in ((OTHER_TOKEN, 200), (TOKEN, 200), ("never-configured-token-000000", 403)):
                phone = Phone(c, PUBLIC_URL, NUMBER, token=token)
                assert (await phone.post(phone.params("HELP"))).status == status, token
    finally:
        await stack.runtime.close()
        if database:
            pg.drop_database(database)


async def test_with_no_auth_token_configured_every_webhook_is_refused(
    backend: str, templates: Any, tmp_path: Path
) -> None:
    stack, database = await make_stack(backend, templates, tmp_path, twilio_auth_token="")
    try:
        async with AsyncTestClient(stack.app, raise_server_exceptions=False) as c:
            # Signed with the empty key: a webhook must not verify against a token we never set.
            phone = Phone(c, PUBLIC_URL, NUMBER, token="")
            assert (await phone.post(phone.params("HELP"))).status == 403
    finally:
        await stack.runtime.close()
        if database:
            pg.drop_database(database)


@pytest.mark.both_databases
async def test_five_concurrent_replays_of_one_signed_text_have_one_effect_and_one_reply(tw_client, db) -> None:
    phone = Phone(tw_client, PUBLIC_URL, NUMBER)
    params = phone.params("AYUDA")
    replies = await asyncio.gather(*(phone.post(dict(params)) for _ in range(5)))
    assert {r.status for r in replies} == {200}
    assert len({r.body for r in replies}) == 1
    rows = await _rows(db)
    assert rows["twilio_webhooks"] == 1 and rows["sms_sessions"] == 1 and rows["outbox"] == 1
    # The conversation moved one step only: the category menu is still the question.
    again = await phone.post(phone.params("1"))
    assert again.status == 200 and again.texts == [sms_texts.text("es", sms_texts.DANGER)]


def test_the_url_is_rebuilt_from_the_setting_path_and_raw_query() -> None:
    assert public_url_for("https://a.example/", "/twilio/sms") == "https://a.example/twilio/sms"
    assert public_url_for("https://a.example:8443", "/twilio/sms", b"b=1&a=%20") == \
        "https://a.example:8443/twilio/sms?b=1&a=%20"
    assert public_url_for("https://a.example/p/", "/twilio/sms", "") == "https://a.example/p/twilio/sms"
    assert TOKEN not in public_url_for("https://a.example", "/twilio/sms")
