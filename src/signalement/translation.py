"""The machine-translation provider: a seam, and an adapter for a self-hosted LibreTranslate server.

``TranslationProvider`` keeps the translation server one implementation among others, as
``messaging.MessagingProvider`` does for SMS. ``LibreTranslateProvider`` speaks LibreTranslate's HTTP
API (``POST /translate`` with ``{q, source, target, format}``, answered by ``{translatedText}``).

The threat is the text itself: a narrative sent to a translation service leaves our hands. So the
provider is off unless ``SIGNALEMENT_TRANSLATION_URL`` names a server the department runs on its own
network (docs/decisions/0013), the call is audited by the caller before any text goes out, and what
comes back is shown once and never written anywhere (nor logged). Every failure, whether a refused
connection, a slow server, an error status or a garbled answer, becomes one ``TranslationUnavailableError``
that the page turns into a calm sentence beside the original.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import urllib.request
from typing import Protocol
from urllib.parse import urlsplit

from signalement.settings import Settings

MAX_CHARS = 20_000  # the longest narrative plus room; a server's own limit may be lower
# JSON may escape every character as \uXXXX (12 bytes for a surrogate pair), and a translation runs longer.
MAX_ANSWER_BYTES = 24 * MAX_CHARS


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would send the reporter's words to an address nobody configured: treat it as a failure."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# No proxy from the environment either (HTTP_PROXY): the text goes to the named server and nowhere else.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


class TranslationUnavailableError(Exception):
    """The translation server gave no translation: down, slow, refusing, or answering nonsense."""


class TranslationProvider(Protocol):
    """What the officer tier needs from a machine-translation service."""

    name: str

    async def translate(self, text: str, *, source: str, target: str) -> str: ...


class LibreTranslateProvider:
    """LibreTranslate's HTTP API on a server we name (``/translate``); language codes are ours ("pa", "zh")."""

    name = "libretranslate"

    def __init__(self, base_url: str, *, api_key: str = "", timeout: float = 10.0) -> None:
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError("the translation server's address must be http:// or https://")
        self.endpoint = base_url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.timeout = timeout

    async def translate(self, text: str, *, source: str, target: str) -> str:
        return await asyncio.to_thread(self._translate, text[:MAX_CHARS], source, target)

    def _translate(self, text: str, source: str, target: str) -> str:
        body: dict[str, str] = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        # The scheme was checked in __init__: http or https only, never file: or another handler's.
        request = urllib.request.Request(  # noqa: S310  # nosec B310
            self.endpoint, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                answer = json.loads(response.read(MAX_ANSWER_BYTES))
        # Refused, timed out, an HTTP error status (HTTPError is an OSError), not HTTP at all or cut short
        # (http.client.HTTPException), not JSON or cut by the size limit (ValueError).
        except (OSError, http.client.HTTPException, ValueError):
            raise TranslationUnavailableError from None
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise TranslationUnavailableError
        return translated


def translation_provider(settings: Settings) -> TranslationProvider | None:
    """The configured provider, or None: machine translation is off unless a server is named."""
    if not settings.translation_url:
        return None
    return LibreTranslateProvider(
        settings.translation_url, api_key=settings.translation_api_key, timeout=settings.translation_timeout_seconds
    )
