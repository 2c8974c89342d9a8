"""Attachments: chunked AES-256-GCM detects truncation, reordering and tampering, in bounded memory."""

from __future__ import annotations

import os
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalement.vault.envelope import SealedValueError
from signalement.vault.stream import (
    CHUNK_SIZE,
    StreamDecryptor,
    StreamEncryptor,
    StreamError,
    decrypt_stream,
    new_data_key,
    read_in_chunks,
)

BIND = b"case|evidence"


def _encrypt(data: bytes, chunk: int, key: bytes | None = None) -> tuple[bytes, bytes, list[bytes]]:
    key = key or new_data_key()
    enc = StreamEncryptor(key, BIND, chunk_size=chunk)
    return key, enc.header, list(enc.encrypt([data]))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000), chunk=st.integers(min_value=16, max_value=700),
       pieces=st.integers(min_value=1, max_value=7))
def test_any_file_round_trips_whatever_the_chunking_of_its_input(data: bytes, chunk: int, pieces: int) -> None:
    key = new_data_key()
    enc = StreamEncryptor(key, BIND, chunk_size=chunk)
    step = max(1, len(data) // pieces)
    source = [data[i : i + step] for i in range(0, len(data), step)] or [b""]
    assert b"".join(decrypt_stream(key, enc.header, BIND, enc.encrypt(source))) == data


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=1, max_size=3000), chunk=st.integers(min_value=16, max_value=300), drop=st.data())
def test_a_file_cut_short_is_refused(data: bytes, chunk: int, drop: st.DataObject) -> None:
    key, header, chunks = _encrypt(data, chunk)
    keep = drop.draw(st.integers(min_value=0, max_value=len(chunks) - 1))
    with pytest.raises(StreamError):
        list(decrypt_stream(key, header, BIND, chunks[:keep]))


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=200, max_size=3000), pick=st.data())
def test_reordered_or_duplicated_chunks_are_refused(data: bytes, pick: st.DataObject) -> None:
    key, header, chunks = _encrypt(data, 64)
    i = pick.draw(st.integers(min_value=0, max_value=len(chunks) - 2))
    swapped = chunks[:]
    swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    with pytest.raises(StreamError):
        list(decrypt_stream(key, header, BIND, swapped))
    with pytest.raises(StreamError):
        list(decrypt_stream(key, header, BIND, chunks[: i + 1] + chunks[i:]))


def test_a_chunk_appended_after_the_last_is_refused() -> None:
    key, header, chunks = _encrypt(os.urandom(300), 64)
    with pytest.raises(StreamError):
        list(decrypt_stream(key, header, BIND, chunks + [chunks[0]]))


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=1, max_size=1000), where=st.data())
def test_a_flipped_bit_anywhere_is_refused(data: bytes, where: st.DataObject) -> None:
    key, header, chunks = _encrypt(data, 128)
    i = where.draw(st.integers(min_value=0, max_value=len(chunks) - 1))
    chunk = bytearray(chunks[i])
    pos = where.draw(st.integers(min_value=0, max_value=len(chunk) - 1))
    chunk[pos] ^= 0x01
    chunks[i] = bytes(chunk)
    with pytest.raises(StreamError):
        list(decrypt_stream(key, header, BIND, chunks))


def test_a_file_moved_to_another_evidence_row_is_refused() -> None:
    key, header, chunks = _encrypt(b"photo bytes" * 50, 64)
    with pytest.raises(StreamError):
        list(decrypt_stream(key, header, b"case|other-evidence", chunks))


def test_the_wrong_data_key_is_refused_and_it_is_a_sealed_value_error() -> None:
    _, header, chunks = _encrypt(b"photo", 64)
    with pytest.raises(SealedValueError):
        list(decrypt_stream(new_data_key(), header, BIND, chunks))


def test_a_file_exactly_filling_its_chunks_still_ends_with_a_marked_last_chunk() -> None:
    key, header, chunks = _encrypt(b"x" * 256, 64)
    assert [len(c) for c in chunks] == [80, 80, 80, 80, 16]
    with pytest.raises(StreamError):  # dropping the empty final chunk is truncation
        list(decrypt_stream(key, header, BIND, chunks[:-1]))


def test_the_incremental_decryptor_notices_a_missing_end() -> None:
    key, header, chunks = _encrypt(os.urandom(500), 100)
    dec = StreamDecryptor(key, header, BIND)
    for c in chunks[:-1]:
        dec.feed(c)
    with pytest.raises(StreamError):
        dec.finish()


def test_a_25_mb_attachment_is_encrypted_and_decrypted_in_memory_bounded_by_the_chunk(tmp_path) -> None:
    import hashlib

    size = 25 * 1024 * 1024
    plain_path, cipher_path = tmp_path / "photo.bin", tmp_path / "photo.enc"
    with plain_path.open("wb") as fh:
        for _ in range(size // CHUNK_SIZE):
            fh.write(os.urandom(CHUNK_SIZE))
    key = new_data_key()
    enc = StreamEncryptor(key, BIND)
    lengths: list[int] = []
    tracemalloc.start()
    try:
        with plain_path.open("rb") as src, cipher_path.open("wb") as out:
            for c in enc.encrypt(read_in_chunks(src)):
                out.write(c)
                lengths.append(len(c))
        _, enc_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        dec = StreamDecryptor(key, enc.header, BIND)
        with cipher_path.open("rb") as src:
            for n in lengths:
                digest.update(dec.feed(src.read(n)))
        dec.finish()
        _, dec_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    want = hashlib.sha256()
    with plain_path.open("rb") as fh:
        for piece in read_in_chunks(fh):
            want.update(piece)
    assert digest.digest() == want.digest()
    # A few chunks of working set (and the list of chunk lengths), never the file: 25 MB would be 100x this.
    budget = 8 * CHUNK_SIZE
    assert enc_peak < budget, f"encrypt peak {enc_peak} bytes for a {size}-byte file"
    assert dec_peak < budget, f"decrypt peak {dec_peak} bytes for a {size}-byte file"
