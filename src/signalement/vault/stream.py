"""Chunked AES-256-GCM for attachments (STREAM construction).

A photo or PDF is encrypted under a random 256-bit data key in 64 KiB
chunks; only the data key is sealed with HPKE, so rotation re-wraps 32 bytes
per file and never touches the body. Each chunk's nonce is

    7-byte random prefix | 4-byte chunk counter | 1-byte last-chunk flag

so dropping, reordering or duplicating chunks, or cutting the file short,
fails authentication. The header and a binding (case and evidence id) are
authenticated with every chunk. Memory use is one chunk, whatever the size.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from signalement.vault.envelope import SealedValueError

VERSION = 1
CHUNK_SIZE = 64 * 1024
TAG = 16
HEADER_LEN = 12  # version (1) | chunk size (4) | nonce prefix (7)
MAX_CHUNKS = 2**32 - 1


class StreamError(SealedValueError):
    """An encrypted attachment is truncated, reordered, tampered with or misplaced."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter > MAX_CHUNKS:
        raise StreamError("attachment too large")
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def _rechunk(source: Iterable[bytes], size: int) -> Iterator[bytes]:
    buf = bytearray()
    for piece in source:
        buf += piece
        while len(buf) >= size:
            yield bytes(buf[:size])
            del buf[:size]
    yield bytes(buf)


def read_in_chunks(fh: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    while piece := fh.read(size):
        yield piece


class StreamEncryptor:
    def __init__(self, key: bytes, binding: bytes, chunk_size: int = CHUNK_SIZE) -> None:
        if len(key) != 32:
            raise ValueError("data key must be 32 bytes")
        self._aead = AESGCM(key)
        self._prefix = os.urandom(7)
        self.header = struct.pack(">BI", VERSION, chunk_size) + self._prefix
        self._aad = self.header + binding
        self.chunk_size = chunk_size

    def encrypt(self, plaintext: Iterable[bytes]) -> Iterator[bytes]:
        """Yield ciphertext chunks. The last is always shorter than a full chunk (possibly empty)
        and carries the last-chunk flag."""
        chunks = _rechunk(plaintext, self.chunk_size)
        current = next(chunks)
        counter = 0
        for following in chunks:
            yield self._aead.encrypt(_nonce(self._prefix, counter, False), current, self._aad)
            counter += 1
            current = following
        yield self._aead.encrypt(_nonce(self._prefix, counter, True), current, self._aad)


class StreamDecryptor:
    """Decrypt chunk by chunk as they arrive; ``finish()`` raises if the last chunk never came.

    A caller streaming to a client must treat an exception mid-way as fatal
    (abort the response): earlier chunks were genuine but the file is incomplete.
    """

    def __init__(self, key: bytes, header: bytes, binding: bytes) -> None:
        if len(header) != HEADER_LEN or header[0] != VERSION:
            raise StreamError("unknown attachment format")
        self._chunk_size = struct.unpack(">I", header[1:5])[0]
        self._prefix = header[5:]
        try:
            self._aead = AESGCM(key)
        except ValueError:
            raise StreamError("bad data key") from None
        self._aad = header + binding
        self._counter = 0
        self._finished = False

    def feed(self, chunk: bytes) -> bytes:
        if self._finished:
            raise StreamError("data after the last chunk")
        if len(chunk) > self._chunk_size + TAG or len(chunk) < TAG:
            raise StreamError("chunk has the wrong size")
        # The encryptor always ends with a short (possibly empty) chunk, so size says which is last.
        last = len(chunk) < self._chunk_size + TAG
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), chunk, self._aad)
        except InvalidTag:
            raise StreamError("chunk does not authenticate") from None
        self._counter += 1
        self._finished = last
        return plain

    def finish(self) -> None:
        if not self._finished:
            raise StreamError("attachment is truncated")


def decrypt_stream(key: bytes, header: bytes, binding: bytes, ciphertext_chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yield plaintext chunks, or raise ``StreamError`` at the first sign of tampering or truncation."""
    dec = StreamDecryptor(key, header, binding)
    for chunk in ciphertext_chunks:
        yield dec.feed(chunk)
    dec.finish()
