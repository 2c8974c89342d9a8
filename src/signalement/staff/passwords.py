"""Password policy for staff: long, not common, no composition rules (NIST SP 800-63B).

We check length (12 to 64 characters) and zxcvbn's strength score, whose
frequency lists include the common and breached passwords that attackers
try first. We never ask for a digit or a symbol: those rules make
passwords harder to remember and no harder to guess.
"""

from __future__ import annotations

import secrets

MIN_LENGTH = 12
MAX_LENGTH = 64
MIN_SCORE = 3
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class WeakPasswordError(ValueError):
    """The password is too short, too long, or too easy to guess."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_password(password: str, *, user_inputs: list[str] | None = None) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError("too_short")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError("too_long")
    # zxcvbn's cost grows with length; the cap above keeps it bounded. Imported here: its frequency lists
    # take 12 MB in every worker, and a password is chosen rarely (docs/performance.md, memory).
    from zxcvbn import zxcvbn

    result = zxcvbn(password, user_inputs=user_inputs or [])
    if result["score"] < MIN_SCORE:
        raise WeakPasswordError("too_guessable")


def one_time_password() -> str:
    """A generated first password (about 99 bits), to be changed at first sign-in."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))
