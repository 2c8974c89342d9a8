"""Argon2id, run off the event loop in a bounded thread pool.

Argon2id is deliberately slow and memory-hard; run on the event loop it
would stall every other request while one reporter's receipt is checked.
``cryptography``'s Argon2id releases the GIL, so threads give real
parallelism. The pool is bounded and so is its queue: under a flood the
extra callers get ``KdfBusyError`` (a calm "try again" page) instead of
growing an unbounded backlog.

The pool's threads run at a lower OS priority than the event loop (``KDF_NICE_INCREMENT``, Linux sets it per
thread): when the cores are all busy, the scheduler gives a page's rendering the CPU before the next slice of
someone's key derivation, so pages keep their latency during a flood of submissions, and Argon2id still gets
every cycle the event loops leave. Each ``signalement serve`` worker process has its own pool, so the
runtime sizes it to the process's share of the cores (``threads_for``): more Argon2id threads than cores
would only slow each derivation and keep one more 19 MiB buffer resident per thread.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
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


# How much lower than the event loop a key-derivation thread runs (nice +10: the Linux scheduler weights it
# about a tenth of a normal thread's when both want the same core; alone, it still gets the whole core).
KDF_NICE_INCREMENT = 10


def lower_thread_priority(increment: int = KDF_NICE_INCREMENT) -> None:
    """Lower the calling thread's OS priority (a pool thread's initializer). Linux applies ``setpriority`` on a
    thread id to that thread only; elsewhere, or where it is refused, the thread keeps its priority."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment))
    except OSError:
        pass


def threads_for(processes: int, cores: int | None = None) -> int:
    """Argon2id threads for one of ``processes`` worker processes sharing ``cores``: its share, at most 4."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
    return max(1, min(4, math.ceil(cores / max(1, processes))))


class KdfPool:
    """A fixed number of Argon2 threads, at a lower OS priority than the event loop, with a bounded waiting line.

    Two kinds of work share the threads. A **request** derivation (``run``: a follow-up secret checked, an
    officer signing in, a receipt derived inline) is someone waiting. **Idle** work (``run_when_idle``: receipts
    derived ahead, ``receipt_reserve``) starts only when no request derivation is waiting or running, one at a
    time, so a request never queues behind idle work; one that arrives while an idle derivation runs waits at
    most for the rest of that one derivation, and only when every thread is busy (one thread a process when
    ``serve`` runs one worker a core). Idle work uses the same threads, not one of its own: each thread keeps
    its Argon2id buffer resident (20–40 MB measured), and workers are held under 200 MB.
    """

    def __init__(self, workers: int | None = None, max_waiting: int = 64) -> None:
        self.workers = workers or threads_for(1)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="argon2",
                                            initializer=lower_thread_priority)
        self._slots = asyncio.Semaphore(self.workers + max_waiting)
        self.max_waiting = max_waiting
        self._requests = 0  # request derivations waiting or running
        self._no_requests = asyncio.Event()
        self._no_requests.set()
        self._idle_work = asyncio.Lock()
        # Derivations finished, by kind: what the tests and benchmarks count (no content, no timing).
        self.finished = {"request": 0, "idle": 0}

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        if self._slots.locked():
            raise KdfBusyError
        async with self._slots:
            self._requests += 1
            self._no_requests.clear()
            try:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._executor, fn, *args)
                self.finished["request"] += 1
                return result
            finally:
                self._requests -= 1
                if not self._requests:
                    self._no_requests.set()

    async def run_when_idle(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn`` on a pool thread once no request derivation is waiting or running, one call at a time."""
        async with self._idle_work:
            while self._requests:
                await self._no_requests.wait()
            # Submitted in the same event-loop step as the check above: no request can slip in between.
            result = await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
            self.finished["idle"] += 1
            return result

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
