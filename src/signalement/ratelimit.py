"""The per-client request limit, one count for every worker and replica, at a few microseconds a request.

Litestar's ``RateLimitMiddleware`` reads a client's history from the store, checks it and writes it back: a
list of every request's timestamp in the window, JSON-encoded and written again on every request. Through
a ``FileStore`` (several ``serve`` workers without Redis) that was two thread hops, a file read and an
atomic file replace per request, about 1 ms of CPU; and a shared address near its limit carried a list of
hundreds of timestamps. With several replicas sharing Redis, two replicas read the same count and both let
the request through (450 concurrent requests against a limit of 300 let 425 through in
``tests/integration/deployment/test_several_instances.py``).

So this middleware counts itself:

* with a ``RedisStore``, one atomic ``INCR`` per request, in a window that starts with the client's first
  request (the same fixed window as Litestar's);
* otherwise in a ``CounterTable`` (``Runtime.store("rate_limit")``): a fixed table of slots, in a file
  every ``serve`` worker of this host maps into memory (``mmap``) and updates under an exclusive
  ``flock``, on the event loop without a thread hop (a request that finds it taken waits in ``asyncio.sleep``
  steps, never blocking the loop); or, for one process, the same table in its own memory
  without the lock. A slot holds a 64-bit fingerprint of the key, the minute it was last used and two
  counts, this minute's and the last one's; the limit applies to a sliding minute, estimated as this
  minute's count plus the part of the last minute's that the sliding minute still covers (rounded up).
  Nothing else: no address, no pseudonym, no timestamp finer than the minute. A slot whose minute is
  two minutes old is free again, so the counts expire by themselves; the file has a fixed size.

The key is the client's daily pseudonym (``throttle.ClientHasher``), never an address; the table keeps only
a further one-way fingerprint of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import logging
import math
import mmap
import os
import struct
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import DURATION_VALUES, RateLimitMiddleware
from litestar.stores.base import Store
from litestar.types import Receive, Scope, Send

if TYPE_CHECKING:  # the Redis client costs 7 MB per worker: imported only where Redis is configured (runtime)
    from litestar.stores.redis import RedisStore

log = logging.getLogger(__name__)

_MAGIC = b"SIGRATE1"
_HEADER = struct.Struct("<8sII")  # magic, slots, probes
_SLOT = struct.Struct("<QIII")  # fingerprint (0: empty), window number, this window's count, the last one's
PROBES = 8
DEFAULT_SLOTS = 1 << 16  # 1.25 MiB: room for tens of thousands of clients a minute before any eviction
_MAX_COUNT = 0xFFFFFFFF
# How long a request waits for another worker's lock before it goes through uncounted. The lock is held for
# microseconds, but a busy machine can preempt the holder for a few scheduler slices; only a worker stopped
# while holding it (SIGSTOP, a debugger) makes anyone wait this long.
LOCK_PATIENCE_SECONDS = 0.5


def fingerprint(key: str) -> int:
    """A 64-bit one-way fingerprint of a (pseudonymous) key; never 0, which marks an empty slot."""
    digest = hashlib.blake2b(key.encode(), digest_size=8, person=b"sig-ratelimit").digest()
    return int.from_bytes(digest, "little") or 1


class CounterTable(Store):
    """Request counts per key in a sliding window, in a fixed table of slots shared by the processes that map it.

    ``path=None``: the table lives in this process's memory (one worker). Otherwise it is a file every process
    maps; each ``hit`` takes an exclusive ``flock`` for the few microseconds it reads and writes its slots.
    Not a general key-value store: the ``Store`` methods other than ``delete_all`` refuse.
    """

    def __init__(self, path: Path | None = None, slots: int = DEFAULT_SLOTS) -> None:
        self.path = path
        self.slots = slots
        self._size = _HEADER.size + (slots + PROBES) * _SLOT.size
        self._probe = struct.Struct("<" + "QIII" * PROBES)
        self._fd = -1
        self._pid = 0
        self._buf: Any = None
        self._warned = False

    # ---- opening -------------------------------------------------------------------------------------

    def _open(self) -> None:
        if self._buf is not None and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        if self.path is None:
            self._buf = bytearray(self._size)
            _HEADER.pack_into(self._buf, 0, _MAGIC, self.slots, PROBES)
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                header = _HEADER.pack(_MAGIC, self.slots, PROBES)
                if os.fstat(fd).st_size != self._size or os.pread(fd, _HEADER.size, 0) != header:
                    # New, another layout or a torn first start: an empty table, written in place (never
                    # shrunk to nothing first: a worker that has it mapped would fault on the missing pages).
                    os.ftruncate(fd, self._size)
                    os.pwrite(fd, header + bytes(self._size - len(header)), 0)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._buf = mmap.mmap(fd, self._size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _try_lock(self) -> bool:
        """Take the table's lock if it is free (at once, never waiting); True if this process may change it."""
        if self._fd < 0:
            return True
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EINTR):
                raise
            return False
        return True

    def _unlock(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _gave_up(self) -> None:
        if not self._warned:
            log.warning("rate-limit table locked for more than %.0f ms: a request went uncounted",
                        LOCK_PATIENCE_SECONDS * 1000)
            self._warned = True

    def _pauses(self, first: float, cap: float) -> Iterator[float]:
        """How long to wait, again and again, while another process holds the table's lock (for microseconds,
        unless it was descheduled or stopped); ends after ``LOCK_PATIENCE_SECONDS`` (the caller then goes on
        without the lock: a request goes through uncounted)."""
        deadline, pause = time.monotonic() + LOCK_PATIENCE_SECONDS, first
        while time.monotonic() <= deadline:
            yield pause
            pause = min(cap, pause * 2)
        self._gave_up()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[bool]:
        """Yields whether the table is ours to change (False: the lock stayed taken past our patience). Waits by
        sleeping the thread: for callers off the event loop (``hit``); the event loop's is ``_locked_async``."""
        ours = self._try_lock()
        for pause in () if ours else self._pauses(0.0001, 0.005):
            time.sleep(pause)
            if ours := self._try_lock():
                break
        try:
            yield ours
        finally:
            if ours:
                self._unlock()

    @contextlib.asynccontextmanager
    async def _locked_async(self) -> AsyncIterator[bool]:
        """``_locked`` for the event loop: waits in ``asyncio.sleep`` steps, so every other request on the loop
        goes on."""
        ours = self._try_lock()
        for pause in () if ours else self._pauses(0.0002, 0.01):
            await asyncio.sleep(pause)
            if ours := self._try_lock():
                break
        try:
            yield ours
        finally:
            if ours:
                self._unlock()

    # ---- counting ------------------------------------------------------------------------------------

    def hit(self, key: str, limit: int, window_seconds: int, now: float | None = None) -> bool:
        """Count one request of ``key`` and say whether it is within ``limit`` a sliding window.

        A refused request is not counted, so a client that keeps knocking is let in again once its window
        has slid past its earlier requests. Waits for another process's lock by sleeping this thread: on the
        event loop, use ``hit_async``.
        """
        self._open()
        with self._locked() as ours:
            return self._count(key, limit, window_seconds, now) if ours else True

    async def hit_async(self, key: str, limit: int, window_seconds: int, now: float | None = None) -> bool:
        """``hit`` for the event loop: while another process holds the table's lock (for microseconds, unless it
        was descheduled or stopped), this request waits in ``asyncio.sleep`` steps, so every other request on
        the loop goes on; past ``LOCK_PATIENCE_SECONDS`` it goes through uncounted, as ``hit``'s does."""
        self._open()
        async with self._locked_async() as ours:
            return self._count(key, limit, window_seconds, now) if ours else True

    def _count(self, key: str, limit: int, window_seconds: int, now: float | None) -> bool:
        """``hit``'s reading and writing of the slots, with the lock held."""
        buf = self._buf
        fp = fingerprint(key)
        window, into = divmod(time.time() if now is None else now, window_seconds)
        current_window = int(window)
        remaining = 1.0 - into / window_seconds
        first = _HEADER.size + (fp % self.slots) * _SLOT.size
        values = self._probe.unpack_from(buf, first)
        chosen = -1
        for i in range(PROBES):
            if values[4 * i] == fp:
                chosen = i
                break
        if chosen >= 0:
            _, seen, count, last = values[4 * chosen: 4 * chosen + 4]
            if seen != current_window:
                count, last = (0, count) if seen == current_window - 1 else (0, 0)
        else:
            chosen = self._free_or_lightest(values, current_window, remaining)
            count = last = 0
        estimate = count + math.ceil(last * remaining)
        allowed = estimate < limit
        if allowed:
            count = min(_MAX_COUNT, count + 1)
        _SLOT.pack_into(buf, first + chosen * _SLOT.size, fp, current_window, count, last)
        return allowed

    @staticmethod
    def _free_or_lightest(values: tuple[int, ...], current_window: int, remaining: float) -> int:
        """An empty or expired slot among the probes; else the one with the lowest estimate (a heavy client
        is never the one evicted by a crowd of light ones)."""
        lightest, lightest_estimate = 0, math.inf
        for i in range(PROBES):
            fp, seen, count, last = values[4 * i: 4 * i + 4]
            if fp == 0 or seen < current_window - 1:
                return i
            estimate = count + last * remaining if seen == current_window else count * remaining
            if estimate < lightest_estimate:
                lightest, lightest_estimate = i, estimate
        return lightest

    # ---- the Store interface ---------------------------------------------------------------------------

    async def delete_all(self) -> None:
        self._open()
        async with self._locked_async():
            self._buf[_HEADER.size:] = bytes(self._size - _HEADER.size)

    async def set(self, key: str, value: str | bytes, expires_in: int | Any = None) -> None:
        raise TypeError("a CounterTable counts requests (hit); it is not a key-value store")

    async def get(self, key: str, renew_for: int | Any = None) -> bytes | None:
        raise TypeError("a CounterTable counts requests (hit); it is not a key-value store")

    async def delete(self, key: str) -> None:
        raise TypeError("a CounterTable counts requests (hit); it is not a key-value store")

    async def exists(self, key: str) -> bool:
        raise TypeError("a CounterTable counts requests (hit); it is not a key-value store")

    async def expires_in(self, key: str) -> int | None:
        raise TypeError("a CounterTable counts requests (hit); it is not a key-value store")

    def close(self) -> None:
        if isinstance(self._buf, mmap.mmap) and self._pid == os.getpid():
            self._buf.close()
            os.close(self._fd)
        self._buf, self._fd = None, -1


async def count_request(store: RedisStore, key: str, window_seconds: int) -> int:
    """Add one request to ``key``'s window and return the window's count, atomically (MULTI/EXEC)."""
    redis_key = store._make_key(key)  # noqa: SLF001 - the store's own namespacing, so flushes stay in it
    async with store._redis.pipeline(transaction=True) as pipe:  # noqa: SLF001
        pipe.set(redis_key, 0, ex=window_seconds, nx=True)
        pipe.incr(redis_key)
        _, count = await pipe.execute()
    return int(count)


def _is_redis(store: Store) -> bool:
    redis = sys.modules.get("litestar.stores.redis")  # not imported: no store can be a RedisStore
    return redis is not None and isinstance(store, redis.RedisStore)


class SharedRateLimitMiddleware(RateLimitMiddleware):
    """``RateLimitMiddleware`` with one count across workers (``CounterTable``) and replicas (Redis)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        if self.config.set_rate_limit_headers or not (isinstance(store, CounterTable) or _is_redis(store)):
            await super().__call__(scope, receive, send)
            return
        request: Any = app.request_class(scope)
        if await self.should_check_request(request=request):
            key = self.cache_key_from_request(request)
            window = DURATION_VALUES[self.unit]
            if isinstance(store, CounterTable):
                allowed = await store.hit_async(key, self.max_requests, window)
            else:
                allowed = await count_request(store, key, window) <= self.max_requests  # type: ignore[arg-type]
            if not allowed:
                raise TooManyRequestsException
        await self.app(scope, receive, send)
