"""Twilio webhook authentication: every ``/twilio/*`` request is signed, or it is refused.

Twilio signs the URL it was told to call plus the form fields, with the account's auth token
(``X-Twilio-Signature``). We check that signature against the URL rebuilt from
``SIGNALEMENT_PUBLIC_URL`` plus the path and raw query we received, never from ``Host`` or
``X-Forwarded-*``: those are chosen by whoever sends the request, and trusting them would let an
attacker make us check a signature over a URL of their choosing. Behind a TLS-terminating proxy the
app sees ``http://10.0.0.5:8000``; the public URL is what Twilio signed, so it still verifies.

A missing or wrong signature is a 403 raised before anything is read into the database.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from litestar import Request
from twilio.request_validator import RequestValidator

from signalement.errors import ForbiddenError
from signalement.settings import Settings


class BadSignatureError(ForbiddenError):
    """A ``/twilio/*`` request without a valid Twilio signature for our public URL."""


class SignedForm(dict[str, list[str]]):
    """The form fields of a verified webhook (each name to all its values)."""

    def one(self, name: str, default: str = "") -> str:
        values = self.get(name) or [default]
        return values[0]


def public_url_for(public_base: str, path: str, raw_query: bytes | str = b"") -> str:
    """The URL Twilio called: configured base (no trailing slash) + our path + the query as received."""
    query = raw_query.decode("latin-1") if isinstance(raw_query, bytes) else raw_query
    url = public_base.rstrip("/") + path
    return f"{url}?{query}" if query else url


def auth_tokens(settings: Settings) -> list[str]:
    """The current token first, then earlier ones still accepted while a rotation completes."""
    previous = [t.strip() for t in settings.twilio_previous_auth_tokens.split(",") if t.strip()]
    return [t for t in [settings.twilio_auth_token, *previous] if t]


def signature_is_valid(tokens: list[str], url: str, form: SignedForm, signature: str) -> bool:
    if not signature or not tokens:
        return False
    return any(RequestValidator(token).validate(url, form, signature) for token in tokens)


class _Params(SignedForm):
    def getall(self, name: str) -> list[str]:  # what RequestValidator asks a multi-dict for
        return self[name]


async def verified_form(request: Request, settings: Settings) -> SignedForm:
    """The request's form fields, once its Twilio signature checks out; ``BadSignatureError`` otherwise."""
    body = await request.body()
    form = _Params()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSignatureError from None
    for name, value in parse_qsl(text, keep_blank_values=True):
        form.setdefault(name, []).append(value)
    url = public_url_for(settings.public_url, request.scope["path"], request.scope.get("query_string", b""))
    if not signature_is_valid(auth_tokens(settings), url, form, request.headers.get("x-twilio-signature", "")):
        raise BadSignatureError
    return SignedForm(form)
