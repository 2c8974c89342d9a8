"""Receipts: the case code and secret a reporter follows up with, on any channel.

* The **case code** is a locator, not a secret: 8 random digits and a Damm
  check digit, shown as ``123-456-789``.
* The **secret** is 15 random digits and a check digit (about 50 bits),
  shown as ``1234 5678 9012 3456``. Digits only, so it can be typed on a
  keypad and read aloud by the voice menu. We generate both; reporters never
  choose them (chosen secrets are guessable, and often reused).
* Check digits catch a mistyped digit before we spend an Argon2 run or count
  a failed guess against the reporter.
* The secret is checked with Argon2id(secret, salt, pepper); the pepper is a
  key outside the database, so a stolen database alone cannot even test a
  guess. The same Argon2id output, expanded with HKDF, gives the reporter's
  follow-up key: nothing that opens a case is kept under a fast hash.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from signalement.settings import KeyList
from signalement.vault.followup import derive_followup_private, followup_public
from signalement.vault.kdf import RECEIPT_PARAMS, Argon2Params, derive
from signalement.vault.suites import SuiteName

CODE_RANDOM_DIGITS = 8
SECRET_RANDOM_DIGITS = 15

# Damm algorithm: a quasigroup table that catches every single-digit error and
# every adjacent transposition.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> str:
    interim = 0
    for d in digits:
        interim = _DAMM[interim][int(d)]
    return str(interim)


def damm_valid(digits: str) -> bool:
    return damm_digit(digits) == "0"


def _random_digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


def new_case_code() -> str:
    body = _random_digits(CODE_RANDOM_DIGITS)
    return body + damm_digit(body)


def new_secret() -> str:
    body = _random_digits(SECRET_RANDOM_DIGITS)
    return body + damm_digit(body)


def format_code(code: str) -> str:
    return f"{code[0:3]}-{code[3:6]}-{code[6:9]}"


def format_secret(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits_only(text: str) -> str:
    # Accept any Unicode decimal digits (Devanagari, Gurmukhi, full-width) as typed on local keyboards.
    out = []
    for ch in text[:64]:
        if ch.isdecimal():
            try:
                out.append(str(int(ch)))
            except ValueError:
                return ""
    return "".join(out)


def digits_typed(text: str) -> int:
    """How many digits a typed code or secret holds (to tell a missing digit from a mistyped one)."""
    return len(_digits_only(text))


def parse_code(text: str) -> str | None:
    digits = _digits_only(text)
    return digits if len(digits) == CODE_RANDOM_DIGITS + 1 and damm_valid(digits) else None


def parse_secret(text: str) -> str | None:
    digits = _digits_only(text)
    return digits if len(digits) == SECRET_RANDOM_DIGITS + 1 and damm_valid(digits) else None


class ReceiptMaterial(msgspec.Struct, frozen=True):
    """What a case stores about its receipt: parameters, a verifier and the follow-up public key."""

    kdf: dict[str, object]
    verifier: bytes
    followup_public: bytes


def _expand(master: bytes, label: bytes, length: int = 32) -> bytes:
    return HKDF(hashes.SHA256(), length, salt=None, info=b"signalement/receipt/" + label).derive(master)


def make_receipt_material(secret: str, peppers: KeyList, suite: SuiteName,
                          params: Argon2Params = RECEIPT_PARAMS) -> ReceiptMaterial:
    """Slow by design (Argon2id): call through ``KdfPool``."""
    salt = os.urandom(16)
    pepper_id, pepper = peppers.current
    master = derive(params, secret.encode(), salt, pepper=pepper)
    kdf = {"alg": "argon2id", "v": 1, "m": params.memory_kib, "t": params.iterations, "p": params.lanes,
           "salt": base64.b64encode(salt).decode(), "pepper": pepper_id, "suite": suite.value}
    private = derive_followup_private(suite, master)
    return ReceiptMaterial(kdf=kdf, verifier=_expand(master, b"verifier"),
                           followup_public=followup_public(suite, private))


def new_receipt(peppers: KeyList, suite: SuiteName,
                params: Argon2Params = RECEIPT_PARAMS) -> tuple[str, ReceiptMaterial]:
    """A fresh secret and its material, for a receipt derived ahead (``receipt_reserve``). Slow by design."""
    secret = new_secret()
    return secret, make_receipt_material(secret, peppers, suite, params)


def check_secret(secret: str, kdf: dict[str, object], verifier: bytes, peppers: KeyList) -> bytes | None:
    """The follow-up private key if ``secret`` is right, else ``None``. Slow by design."""
    try:
        params = Argon2Params(memory_kib=int(kdf["m"]), iterations=int(kdf["t"]), lanes=int(kdf["p"]))  # type: ignore[call-overload]
        salt = base64.b64decode(str(kdf["salt"]))
        pepper = peppers.get(str(kdf["pepper"]))
        suite = SuiteName(str(kdf["suite"]))
    except (KeyError, ValueError, TypeError):
        return None
    master = derive(params, secret.encode(), salt, pepper=pepper)
    if not hmac.compare_digest(_expand(master, b"verifier"), verifier):
        return None
    return derive_followup_private(suite, master)


def spend_equal_time(secret: str, peppers: KeyList, params: Argon2Params = RECEIPT_PARAMS) -> None:
    """Run the same Argon2id as a real check, for a code that does not exist."""
    derive(params, secret.encode(), b"\0" * 16, pepper=peppers.current[1])
