"""Signed Twilio webhooks for tests: signed with the real ``RequestValidator``, sent to the running app.

``url`` is exactly what Twilio would sign: the configured public URL plus path (plus raw query).
Replies are TwiML, parsed here into the texts the phone would show.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from typing import Any

import msgspec
from twilio.request_validator import RequestValidator

TOKEN = "twilio-test-token-" + "7" * 14
OTHER_TOKEN = "twilio-other-token-" + "3" * 13


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def twiml_texts(xml: str) -> list[str]:
    root = ET.fromstring(xml)  # noqa: S314 - our own app's reply
    assert root.tag == "Response", xml
    return [m.text or "" for m in root.iter("Message")]


class Reply(msgspec.Struct):
    status: int
    body: str

    @property
    def texts(self) -> list[str]:
        return twiml_texts(self.body)


class Phone:
    """A phone texting the service through Twilio: every text signed for ``public_url``."""

    def __init__(self, client: Any, public_url: str, number: str, *, token: str = TOKEN) -> None:
        self.client = client
        self.public_url = public_url.rstrip("/")
        self.number = number
        self.token = token

    def params(self, body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
        return {"MessageSid": sid or new_sid(), "SmsSid": sid or "", "AccountSid": "AC" + "0" * 32,
                "From": self.number, "To": "+15005550006", "Body": body, "NumMedia": "0", **extra}

    async def post(self, params: dict[str, str], path: str = "/twilio/sms", **headers: str) -> Reply:
        if not params.get("SmsSid"):
            params["SmsSid"] = params["MessageSid"]
        signature = sign(self.public_url + path, params, self.token)
        response = await self.client.post(path, data=params, headers={"x-twilio-signature": signature, **headers})
        return Reply(status=response.status_code, body=response.text)

    async def text(self, body: str, sid: str | None = None) -> list[str]:
        reply = await self.post(self.params(body, sid))
        assert reply.status == 200, (reply.status, reply.body)
        return reply.texts
