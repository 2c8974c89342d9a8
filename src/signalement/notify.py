"""Texting reporters who asked for it: what the worker sends (``messaging.TwilioProvider`` sends it).

An officer's reply queues an ``sms.send`` job whose payload (the phone number
and language) is sealed to the worker's key, whose private half is itself
sealed under ``SIGNALEMENT_WORKER_KEYS`` (``vault.workerkey``). The payload
is erased when the text is sent or fails, and purge drops a text still
unsent after ``SIGNALEMENT_OUTBOX_EXPIRY_HOURS``. The text itself says only that
there is news and where to read it: no case details, and nothing a person
looking over the worker's shoulder could read as "tip line".
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from signalement import i18n, outbox
from signalement.i18n import _
from signalement.settings import Settings
from signalement.vault.keystore import PublicKey
from signalement.vault.seal import seal

SMS_JOB = "sms.send"
OUTBOX_CASE = "outbox"


class SmsJob(msgspec.Struct, frozen=True):
    to: str
    language: str
    template: str = "reply_notice"


class PermanentSendError(Exception):
    """Twilio refused the message for a reason retrying will not fix (invalid number, opted out)."""


class RoutedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, pointed at ``SIGNALEMENT_TWILIO_API_BASE`` (a test peer or a proxy).

    With ``idempotency_key`` every request carries an ``Idempotency-Key`` header (the IETF httpapi draft).
    A worker killed after the provider accepted a text but before the job was marked done runs the job
    again; a provider or egress proxy that honours the header then sends it once. Twilio ignores the
    header today, so with Twilio itself that window stays at-least-once (docs/operations.md).
    """

    def __init__(self, base: str, *, idempotency_key: str | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._base = urlsplit(base)
        self._idempotency_key = idempotency_key

    def request(self, method, url, params=None, data=None, headers=None, *args, **kwargs):  # noqa: ANN001, ANN201
        parts = urlsplit(url)
        url = urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment))
        if self._idempotency_key:
            headers = {**(headers or {}), "Idempotency-Key": self._idempotency_key}
        return super().request(method, url, params, data, headers, *args, **kwargs)


def idempotency_key(dedupe_key: str) -> str:
    """The key a job sends its provider: derived from the job's dedupe key, the same on every attempt."""
    return hashlib.sha256(f"signalement-outbox|{dedupe_key}".encode()).hexdigest()[:32]


def seal_sms_job(worker_key: PublicKey, job: SmsJob, dedupe_key: str) -> bytes:
    return seal(msgspec.msgpack.encode(job), worker_key, case_id=OUTBOX_CASE, field=f"{SMS_JOB}:{dedupe_key}")


async def queue_sms(session: AsyncSession, worker_key: PublicKey, job: SmsJob, ref: str) -> None:
    """Queue a text in the caller's transaction; ``ref`` (a message id) makes it happen once."""
    dedupe_key = f"sms:{ref}"
    await outbox.enqueue(session, SMS_JOB, seal_sms_job(worker_key, job, dedupe_key), dedupe_key=dedupe_key)


def message_text(settings: Settings, language: str, template: str) -> str:
    portal = f"{settings.public_url}/{language}/follow-up"
    with i18n.using(language):
        if template == "reply_notice":
            return _("You have a new message. To read it, go to %(url)s and enter your code.", url=portal)
    raise ValueError(template)


def twilio_client(settings: Settings, idempotency_key: str | None = None) -> Client:
    return Client(settings.twilio_account_sid, settings.twilio_auth_token,
                  http_client=RoutedHttpClient(settings.twilio_api_base, idempotency_key=idempotency_key, timeout=15))
