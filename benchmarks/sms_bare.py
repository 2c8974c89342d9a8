"""The bare signed endpoint for ``benchmarks/sms.py``: what any Twilio webhook costs before it does anything.

``POST /twilio/sms`` reads the form, checks its ``X-Twilio-Signature`` with the very code the SMS channel uses
(``signalement.channels.signature.verified_form``: Twilio's ``RequestValidator`` against the configured public
URL) and answers an empty TwiML. No database, no conversation. ``sms.py`` serves it with uvicorn and the same
worker count and options as ``signalement serve``, and sends it the same texts at the same pace.

Settings from the environment: ``SIGNALEMENT_PUBLIC_URL`` and ``SIGNALEMENT_TWILIO_AUTH_TOKEN``.
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Litestar, Request, Response, get, post

from signalement.channels.signature import verified_form
from signalement.settings import load_settings

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def create_app() -> Litestar:
    settings = load_settings({}, public_url=os.environ["SIGNALEMENT_PUBLIC_URL"],
                             twilio_auth_token=os.environ["SIGNALEMENT_TWILIO_AUTH_TOKEN"])

    @post("/twilio/sms", status_code=200)
    async def sms(request: Request[Any, Any, Any]) -> Response[str]:
        await verified_form(request, settings)
        return Response(EMPTY, media_type="application/xml")

    @get("/healthz")
    async def healthz() -> str:
        return "ok"

    return Litestar([sms, healthz])
