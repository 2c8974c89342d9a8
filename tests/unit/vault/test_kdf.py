"""Argon2id runs off the event loop, in a bounded pool: other requests keep their latency."""

from __future__ import annotations

import asyncio
import threading

import pytest

from signalement.vault.kdf import RECEIPT_PARAMS, KdfBusyError, KdfPool, derive


async def test_the_event_loop_keeps_ticking_while_argon2_runs() -> None:
    """Checked by where the derivations run and by the loop answering while they do, not by wall-clock
    ratios (those fail on a busy machine without saying anything about our code)."""
    pool = KdfPool(workers=2, max_waiting=16)
    loop_thread = threading.get_ident()
    ran_on: list[int] = []
    in_flight = 0
    ticks_while_busy = 0
    stop = False

    def traced(*args: object) -> bytes:
        nonlocal in_flight
        ran_on.append(threading.get_ident())
        in_flight += 1
        try:
            return derive(*args)  # type: ignore[arg-type]
        finally:
            in_flight -= 1

    async def ticker() -> None:
        nonlocal ticks_while_busy
        while not stop:
            await asyncio.sleep(0.002)
            ticks_while_busy += in_flight > 0

    t = asyncio.create_task(ticker())
    await asyncio.gather(*(pool.run(traced, RECEIPT_PARAMS, b"secret", b"s" * 16) for _ in range(8)))
    stop = True
    await t
    pool.shutdown()
    assert len(ran_on) == 8 and loop_thread not in ran_on
    # If Argon2 ran on the loop, the ticker could never run while a derivation was in flight.
    assert ticks_while_busy >= 3, ticks_while_busy


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
