"""The Twilio channels: ``/twilio/*`` webhooks for SMS and phone calls, and their outbox jobs.

Part of the public (intake) tier: it files reports and adds messages through
``intake.IntakeService`` and can open nothing sealed to the directorate. Modules:
``signature`` (every webhook is signed), ``replays`` (one effect per webhook),
``lockbox`` (keyed indexes and encrypted rows), ``sms_flow`` (the state machine),
``sms_input`` (reading a text), ``sms_sessions`` (the encrypted conversation row),
``sms_texts`` (what we send), ``sms`` (the conversation), ``segments`` (SMS lengths), ``locks``;
``voice_flow``, ``voice_calls``, ``voice_texts``, ``voice`` and ``voice_routes`` are the same for
phone calls. Twilio's REST side (send, purge) is ``signalement.messaging`` and fetching a phone
statement is ``signalement.recordings``, both run by the worker.
"""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from signalement.runtime import Runtime


def build_router(runtime: Runtime) -> Router:
    from signalement.channels.routes import TwilioSmsController
    from signalement.channels.sms import SmsChannel
    from signalement.channels.voice import VoiceChannel
    from signalement.channels.voice_routes import TwilioVoiceController

    sms = SmsChannel(runtime)  # one per app: it holds the per-number locks
    voice = VoiceChannel(runtime)  # and this one the per-call locks
    return Router(path="/", route_handlers=[TwilioSmsController, TwilioVoiceController], include_in_schema=False,
                  dependencies={"sms": Provide(lambda: sms, sync_to_thread=False),
                                "voice": Provide(lambda: voice, sync_to_thread=False)})
