"""``/twilio/voice/*``: the phone line's webhooks. Each checks the signature first, then hands over.

* ``POST /twilio/voice``: a call comes in (the number's *A call comes in* webhook);
* ``POST /twilio/voice/step?n=N``: the action of every ``<Gather>`` and ``<Record>`` we return;
* ``POST /twilio/voice/recording``: a statement's recording is ready (``recordingStatusCallback``);
* ``POST /twilio/voice/status``: the call ended (the number's *Call status changes* webhook).

Handlers are thin: ``signature.verified_form`` (403 before anything is written), then ``voice``.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, MediaType, Request, Response, post
from litestar.di import NamedDependency

from signalement.channels.signature import verified_form
from signalement.channels.voice import VoiceChannel
from signalement.errors import SignalementError
from signalement.logs import log_exception
from signalement.runtime import Runtime
from signalement.vault.kdf import KdfBusyError

TWIML = "application/xml"
logger = logging.getLogger("signalement.channels")


class TwilioVoiceController(Controller):
    path = "/twilio/voice"
    include_in_schema = False

    @post("/", status_code=200, media_type=TWIML)
    async def incoming(self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime],
                       voice: NamedDependency[VoiceChannel]) -> Response[str]:
        return await _answer(request, runtime, voice, None)

    @post("/step", status_code=200, media_type=TWIML)
    async def step(self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime],
                   voice: NamedDependency[VoiceChannel]) -> Response[str]:
        return await _answer(request, runtime, voice, request.query_params.get("n", ""))

    @post("/recording", status_code=204, media_type=MediaType.TEXT)
    async def recording(self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime],
                        voice: NamedDependency[VoiceChannel]) -> None:
        await voice.recording(await verified_form(request, runtime.settings))

    @post("/status", status_code=204, media_type=MediaType.TEXT)
    async def status(self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime],
                     voice: NamedDependency[VoiceChannel]) -> None:
        await voice.status(await verified_form(request, runtime.settings))


async def _answer(request: Request[Any, Any, Any], runtime: Runtime, voice: VoiceChannel,
                  turn: str | None) -> Response[str]:
    form = await verified_form(request, runtime.settings)
    try:
        return Response(await voice.answer(form, turn), media_type=TWIML)
    except SignalementError:
        raise  # a malformed webhook: a bare status, as for any /twilio/ error
    except Exception as exc:  # nothing was committed: say so calmly; calling again starts afresh
        log_exception(logger, exc, where="twilio_voice")
        return Response(voice.sorry(busy=isinstance(exc, KdfBusyError)), media_type=TWIML)
