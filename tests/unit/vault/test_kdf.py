"""Argon2id runs off the event loop, in a bounded pool: other requests keep their latency."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from signalement.vault.kdf import KDF_NICE_INCREMENT, RECEIPT_PARAMS, KdfBusyError, KdfPool, derive, threads_for


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


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are a POSIX feature")
async def test_key_derivation_threads_run_below_the_event_loop() -> None:
    """Pages are scheduled before the next slice of a derivation when the cores are busy (nice per thread)."""
    pool = KdfPool(workers=2)

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    loop_nice = niceness()
    in_pool = await asyncio.gather(*(pool.run(niceness) for _ in range(4)))
    pool.shutdown()
    assert niceness() == loop_nice  # the event loop's own thread is untouched
    assert set(in_pool) == {min(19, loop_nice + KDF_NICE_INCREMENT)}, (loop_nice, in_pool)


def test_each_worker_process_takes_its_share_of_the_cores() -> None:
    assert threads_for(2, cores=2) == 1
    assert threads_for(0, cores=2) == threads_for(1, cores=2) == 2
    assert threads_for(3, cores=8) == 3
    assert threads_for(1, cores=64) == 4  # each thread keeps a buffer resident: at most four
