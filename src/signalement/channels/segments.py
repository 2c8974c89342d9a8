"""How many SMS segments a text costs: GSM-7 when every character is in the GSM 03.38 alphabet,
UCS-2 otherwise (one accent outside it, and the whole text drops to 70 characters a segment).

Segments matter to reporters: a long reply arrives in pieces, out of order on some phones, and
each piece costs the service. Every outgoing text is held to a budget in the tests.
"""

from __future__ import annotations

# GSM 03.38 basic character set, and the extension table (each extension character costs two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}


def encoding_of(text: str) -> str:
    """``gsm7`` if the whole text fits the GSM alphabet, else ``ucs2``."""
    return "gsm7" if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text) else "ucs2"


def units(text: str, encoding: str) -> int:
    if encoding == "gsm7":
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2  # characters beyond the BMP take two UCS-2 units


def segments(text: str) -> int:
    """The number of SMS segments ``text`` is sent in (0 for an empty text)."""
    encoding = encoding_of(text)
    n = units(text, encoding)
    if n == 0:
        return 0
    if n <= SINGLE[encoding]:
        return 1
    return -(-n // PART[encoding])
