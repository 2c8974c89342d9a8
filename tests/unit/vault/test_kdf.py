"""Argon2id runs off the event loop, in a bounded pool: other requests keep their latency."""

from __future__ import annotations

import asyncio
import time

import pytest

from signalement.vault.kdf import RECEIPT_PARAMS, KdfBusyError, KdfPool, derive


async def test_the_event_loop_keeps_ticking_while_argon2_runs() -> None:
    pool = KdfPool(workers=2, max_waiting=16)
    ticks = 0
    stop = False

    async def ticker() -> None:
        nonlocal ticks
        while not stop:
            await asyncio.sleep(0.005)
            ticks += 1

    t = asyncio.create_task(ticker())
    started = time.perf_counter()
    await asyncio.gather(*(pool.run(derive, RECEIPT_PARAMS, b"secret", b"s" * 16) for _ in range(8)))
    elapsed = time.perf_counter() - started
    stop = True
    await t
    pool.shutdown()
    # If Argon2 ran on the loop, the ticker would be starved for the whole run.
    assert ticks >= 0.4 * elapsed / 0.005, (ticks, elapsed)


async def test_a_flood_beyond_the_waiting_line_is_turned_away_not_queued_forever() -> None:
    pool = KdfPool(workers=1, max_waiting=2)
    results = await asyncio.gather(
        *(pool.run(derive, RECEIPT_PARAMS, b"x", b"s" * 16) for _ in range(10)), return_exceptions=True
    )
    pool.shutdown()
    busy = [r for r in results if isinstance(r, KdfBusyError)]
    done = [r for r in results if isinstance(r, bytes)]
    assert busy and done
    assert len(done) <= 3


def test_the_pepper_changes_the_result() -> None:
    a = derive(RECEIPT_PARAMS, b"1234", b"s" * 16, pepper=b"p1" * 16)
    b = derive(RECEIPT_PARAMS, b"1234", b"s" * 16, pepper=b"p2" * 16)
    assert a != b
    with pytest.raises(ValueError):
        derive(RECEIPT_PARAMS, b"1234", b"short")  # Argon2 refuses a salt under 8 bytes
