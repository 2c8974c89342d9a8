"""Argon2id, run off the event loop in a bounded thread pool.

Argon2id is deliberately slow and memory-hard; run on the event loop it
would stall every other request while one reporter's receipt is checked.
``cryptography``'s Argon2id releases the GIL, so threads give real
parallelism. The pool is bounded and so is its queue: under a flood the
extra callers get ``KdfBusyError`` (a calm "try again" page) instead of
growing an unbounded backlog.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import msgspec
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

T = TypeVar("T")


class KdfBusyError(Exception):
    """Too many password or receipt checks are already waiting; the caller should retry later."""


class Argon2Params(msgspec.Struct, frozen=True):
    """Parameters recorded next to every derived value so they can be raised later."""

    memory_kib: int
    iterations: int
    lanes: int = 1
    length: int = 32


# OWASP / ASVS 4.0 (2.4.3) minimum is m=19 MiB, t=2, p=1. Receipts use it: they
# are checked on cheap phones' behalf under load. Officer passwords guard the
# master key, so they get more memory and time (about 0.2 s here).
RECEIPT_PARAMS = Argon2Params(memory_kib=19_456, iterations=2)
OFFICER_PARAMS = Argon2Params(memory_kib=65_536, iterations=3)


class KdfCosts(msgspec.Struct, frozen=True):
    """The parameters new receipts and credentials are derived with (existing ones keep theirs)."""

    receipt: Argon2Params
    officer: Argon2Params


STANDARD_COSTS = KdfCosts(receipt=RECEIPT_PARAMS, officer=OFFICER_PARAMS)
# The test suite's setting (``SIGNALEMENT_KDF_COST=test``): the same code paths at a fraction of the cost, so
# two thousand tests do not spend their time in Argon2. ``check_production`` refuses it, and the tests that
# check or measure the real cost use ``STANDARD_COSTS``.
_TINY = Argon2Params(memory_kib=64, iterations=1)
TEST_COSTS = KdfCosts(receipt=_TINY, officer=_TINY)
COSTS = {"standard": STANDARD_COSTS, "test": TEST_COSTS}


def derive(params: Argon2Params, key_material: bytes, salt: bytes, *, pepper: bytes | None = None) -> bytes:
    return Argon2id(
        salt=salt, length=params.length, iterations=params.iterations, lanes=params.lanes,
        memory_cost=params.memory_kib, secret=pepper,
    ).derive(key_material)


class KdfPool:
    """A fixed number of Argon2 threads with a bounded waiting line."""

    def __init__(self, workers: int | None = None, max_waiting: int = 64) -> None:
        self.workers = workers or max(1, min(4, (os.cpu_count() or 2)))
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="argon2")
        self._slots = asyncio.Semaphore(self.workers + max_waiting)
        self.max_waiting = max_waiting

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        if self._slots.locked():
            raise KdfBusyError
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, fn, *args)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
