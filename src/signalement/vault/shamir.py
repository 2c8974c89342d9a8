"""Shamir secret sharing over GF(2^8), for break-glass recovery of the master key.

Any ``threshold`` shares rebuild the secret; fewer reveal nothing about it
(each byte is a random polynomial's constant term). Shares are meant for
paper or offline media held by different people; docs/crypto.md has the
ceremony. No well-kept Python library does this on bytes of our length
without extra dependencies, so it is 60 lines here, property-tested.
"""

from __future__ import annotations

import os

# Log and antilog tables for GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, generator 3.
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x ^= (_x << 1) ^ (0x11B if _x & 0x80 else 0)
    _x &= 0xFF
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


class ShareError(ValueError):
    """Shares are malformed, duplicated, too few, or from different splits."""


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


def split(secret: bytes, shares: int, threshold: int) -> list[tuple[int, bytes]]:
    """Split ``secret`` into ``shares`` (x, y) pairs; any ``threshold`` of them recombine."""
    if not 2 <= threshold <= shares <= 255:
        raise ShareError("need 2 <= threshold <= shares <= 255")
    coeffs = [os.urandom(len(secret)) for _ in range(threshold - 1)]
    out = []
    for x in range(1, shares + 1):
        y = bytearray(len(secret))
        for i, s in enumerate(secret):
            acc = 0
            for c in reversed(coeffs):  # Horner: ((c_k x + c_{k-1}) x + ...) x + s
                acc = _mul(acc, x) ^ c[i]
            y[i] = _mul(acc, x) ^ s
        out.append((x, bytes(y)))
    return out


def combine(shares: list[tuple[int, bytes]]) -> bytes:
    """Lagrange interpolation at 0. Garbage in gives garbage out: callers verify the result."""
    if len(shares) < 2:
        raise ShareError("need at least two shares")
    xs = [x for x, _ in shares]
    if len(set(xs)) != len(xs) or any(not 1 <= x <= 255 for x in xs):
        raise ShareError("share numbers must be distinct, 1..255")
    length = len(shares[0][1])
    if any(len(y) != length for _, y in shares):
        raise ShareError("shares have different lengths")
    secret = bytearray(length)
    for j, (xj, yj) in enumerate(shares):
        num, den = 1, 1
        for m, (xm, _) in enumerate(shares):
            if m != j:
                num = _mul(num, xm)
                den = _mul(den, xm ^ xj)
        basis = _div(num, den)
        for i in range(length):
            secret[i] ^= _mul(yj[i], basis)
    return bytes(secret)
