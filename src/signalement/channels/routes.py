"""``/twilio/*``: Twilio's webhooks. Each handler checks the signature first, then hands over.

Handlers are thin: ``signature.verified_form`` (403 before anything is written), then the
channel. Replies are TwiML built by the ``twilio`` package.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, MediaType, Request, Response, post
from litestar.di import NamedDependency

from signalement.channels.signature import verified_form
from signalement.channels.sms import SmsChannel
from signalement.errors import SignalementError, status_for
from signalement.logs import log_exception
from signalement.messaging import PurgeJob, queue_purge
from signalement.runtime import Runtime

TWIML = "application/xml"
logger = logging.getLogger("signalement.channels")
# Delivery states after which the message can be deleted at Twilio. "sent" is included: the purge waits a few
# minutes and is retried with backoff while Twilio still holds the message in transit.
FINAL_STATUSES = frozenset({"sent", "delivered", "undelivered", "failed", "received", "read", "canceled"})


class TwilioSmsController(Controller):
    path = "/twilio/sms"
    include_in_schema = False

    @post("/", status_code=200, media_type=TWIML)
    async def inbound(self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime],
                      sms: NamedDependency[SmsChannel]) -> Response[str]:
        form = await verified_form(request, runtime.settings)
        try:
            return Response(await sms.receive(form), media_type=TWIML)
        except SignalementError:
            raise  # a malformed webhook: a bare status, as for any /twilio/ error
        except Exception as exc:  # nothing was committed: tell the phone calmly, a new text will be handled afresh
            log_exception(logger, exc, where="twilio_sms")
            return Response(sms.apology(busy=status_for(exc) == 503), media_type=TWIML)  # the web's 503 cases

    @post("/status", status_code=204, media_type=MediaType.TEXT)
    async def status(self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime],
                     sms: NamedDependency[SmsChannel]) -> None:
        """Delivery callbacks for our replies: once final, the reply is deleted at Twilio too."""
        form = await verified_form(request, runtime.settings)
        sid = form.one("MessageSid") or form.one("SmsSid")
        if not sid or form.one("MessageStatus") not in FINAL_STATUSES:
            return
        async with runtime.db.writing() as session:
            await queue_purge(session, runtime.public_keys.worker, PurgeJob(kind="message", sid=sid),
                              sms.lockbox.sid_index("status", sid))
            await session.commit()
