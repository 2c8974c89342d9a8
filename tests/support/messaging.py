"""``LocalProvider``: the messaging Protocol's second implementation, in memory, for tests that need no HTTP.

It is what a worker would use with another SMS provider: sends and purges are recorded; a number in
``refuse`` is refused permanently, as a provider does for an opted-out number.
"""

from __future__ import annotations

from collections.abc import Mapping

from signalement.messaging import Inbound, MediaGoneError, MediaTooBigError, MessagingProvider, PurgeJob
from signalement.notify import PermanentSendError


class LocalProvider:
    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.sent: list[tuple[str, str]] = []
        self.purged: list[PurgeJob] = []
        self.refuse = refuse
        self.media: dict[str, bytes] = {}
        self.senders: dict[str, str] = {}

    async def send(self, to: str, body: str, *, idempotency_key: str | None = None) -> str:
        if to in self.refuse:
            raise PermanentSendError("opted out")
        self.sent.append((to, body))
        return f"LOCAL{len(self.sent)}"

    async def purge(self, job: PurgeJob) -> None:
        self.purged.append(job)

    async def fetch_media(self, message_sid: str, media_sid: str, max_bytes: int) -> bytes:
        if media_sid not in self.media:
            raise MediaGoneError
        if len(self.media[media_sid]) > max_bytes:
            raise MediaTooBigError
        return self.media[media_sid]

    async def sender_of(self, message_sid: str) -> str:
        return self.senders[message_sid]

    def parse_inbound(self, form: Mapping[str, list[str]]) -> Inbound | None:
        sid, sender = (form.get("Id") or [""])[0], (form.get("Sender") or [""])[0]
        return Inbound(message_id=sid, sender=sender, body=(form.get("Text") or [""])[0]) if sid and sender else None


def _conforms(provider: LocalProvider) -> MessagingProvider:
    return provider  # mypy checks that the Protocol is met
