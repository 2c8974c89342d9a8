"""Time-based one-time codes (RFC 6238) with ``cryptography``'s TOTP, single use.

A code is accepted for the current 30-second step or one step either side
(phone clocks drift), and never twice: we remember the last step used, so a
code seen over a shoulder or replayed from a proxy log is worthless.
"""

from __future__ import annotations

import base64
import hmac
import io
import time

import segno
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

STEP = 30
DIGITS = 6
ISSUER = "Signalement"


def _totp(secret: bytes) -> TOTP:
    # SHA-1 because every authenticator app supports it; HMAC-SHA1 is not weakened by SHA-1 collisions.
    return TOTP(secret, DIGITS, SHA1(), STEP, enforce_key_length=True)  # noqa: S303  # nosec B303


def current_code(secret: bytes, at: float | None = None) -> str:
    return _totp(secret).generate(int(at if at is not None else time.time())).decode()


def verify(secret: bytes, code: str, last_step: int, at: float | None = None) -> int | None:
    """The step the code belongs to if it is valid and unused, else ``None``."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != DIGITS:
        return None
    now = int(at if at is not None else time.time())
    step_now = now // STEP
    totp = _totp(secret)
    for step in (step_now - 1, step_now, step_now + 1):
        if step <= last_step:
            continue
        if hmac.compare_digest(totp.generate(step * STEP), code.encode()):
            return step
    return None


def secret_text(secret: bytes) -> str:
    """The secret as people type it into an authenticator app (base32, in groups)."""
    b32 = base64.b32encode(secret).decode().rstrip("=")
    return " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))


def provisioning_uri(secret: bytes, username: str) -> str:
    return _totp(secret).get_provisioning_uri(username, ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code (no script, no style attribute: it passes our CSP)."""
    buf = io.BytesIO()
    segno.make(uri, error="m").save(buf, kind="svg", scale=4, xmldecl=False, svgns=True, nl=False,
                                    svgclass="qr", lineclass=None, title="QR")
    return buf.getvalue().decode()
