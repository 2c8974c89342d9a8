"""Receipts derived ahead: a few (secret, receipt material) pairs made while the Argon2id threads are idle.

A receipt's inputs are all known before any reporter arrives: a random secret, a random salt, the current
pepper, the suite and the Argon2id costs. Deriving one costs about 21 ms of a core (``vault.kdf``); on the
request path that is most of a filing's latency (an SMS's confirming text, a call's last step). So each worker
process keeps a small reserve, refilled by ``KdfPool.run_when_idle`` (never ahead of someone waiting for a
derivation), and ``IntakeService.submit`` takes one when the channel brings no secret of its own.

What it guards: the pairs live in this process's memory only. Nothing here is written to a store, a file or a
log; the reserve dies with the process and each worker builds its own after it starts (``app.create_app``'s
startup hook), so forked workers never share one. A pair is popped, so it is handed out once, and a pair made
with another pepper, suite or cost than the current ones is never handed out (the reserve is emptied). The
threat review is decision 18 (``docs/decisions/0018-receipts-derived-ahead.md``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Protocol

import msgspec

from signalement.logs import log_exception
from signalement.settings import KeyList
from signalement.vault.kdf import Argon2Params, KdfPool
from signalement.vault.suites import SuiteName

log = logging.getLogger(__name__)


class DerivedReceipt(Protocol):
    """What a case stores about its receipt (``receipts.ReceiptMaterial``), as far as the reserve reads it."""

    @property
    def kdf(self) -> dict[str, object]: ...


# ``receipts.new_receipt``: a fresh secret and its material. Given to ``start`` rather than imported, so that the
# runtime (which every tier imports, research included) never reaches the code that derives follow-up keys.
ReceiptMaker = Callable[[KeyList, SuiteName, Argon2Params], tuple[str, DerivedReceipt]]


class ReceiptRecipe(msgspec.Struct, frozen=True):
    """What a new receipt is derived with now: the pepper list (its current key), the suite and the costs."""

    peppers: KeyList
    suite: SuiteName
    params: Argon2Params

    def made(self, material: DerivedReceipt) -> bool:
        """Whether ``material`` was derived exactly as a receipt made now would be."""
        kdf = material.kdf
        return (kdf.get("pepper") == self.peppers.current[0] and kdf.get("suite") == self.suite.value
                and (kdf.get("m"), kdf.get("t"), kdf.get("p")) == (self.params.memory_kib, self.params.iterations,
                                                                   self.params.lanes))


class ReservedReceipt(msgspec.Struct, frozen=True):
    secret: str
    material: DerivedReceipt


class ReceiptReserve:
    """At most ``size`` receipts derived ahead in this process, refilled in the background while idle."""

    def __init__(self, size: int, pool: KdfPool, recipe: Callable[[], ReceiptRecipe]) -> None:
        self.size = size  # checked by load_settings: 0 (off) to 64
        self._pool = pool
        self._recipe = recipe
        self._pairs: deque[ReservedReceipt] = deque()
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._make: ReceiptMaker | None = None
        self.taken = 0  # handed out since start (a count only)

    def __len__(self) -> int:
        return len(self._pairs)

    def start(self, make: ReceiptMaker) -> None:
        """Begin filling (a worker's startup hook: after the fork, in the process that will serve)."""
        if self.size and self._task is None:
            self._make = make
            self._wanted.set()
            self._task = asyncio.get_running_loop().create_task(self._refill(), name="receipt-reserve")

    async def stop(self) -> None:
        """Stop refilling and forget every pair."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._pairs.clear()

    def take(self) -> ReservedReceipt | None:
        """A pair derived ahead with the current recipe, never handed out before; ``None``: derive one inline."""
        if self._task is not None:
            self._wanted.set()  # one fewer, or stale ones dropped: refill
        if not self._pairs:
            return None
        pair = self._pairs.popleft()
        if not self._recipe().made(pair.material):
            self._pairs.clear()  # a rotated pepper, a new suite or cost: every older pair is stale too
            return None
        self.taken += 1
        return pair

    async def _refill(self) -> None:
        try:
            while True:
                await self._wanted.wait()
                self._wanted.clear()
                while len(self._pairs) < self.size:
                    await self._derive_one()
        except RuntimeError:  # the pool was shut down under us: the process is stopping
            return
        except Exception as exc:  # noqa: BLE001 - the reserve stays empty, every receipt is derived inline
            log_exception(log, exc, where="receipt_reserve")

    async def _derive_one(self) -> None:
        assert self._make is not None  # set by start, which started this task
        recipe = self._recipe()
        secret, material = await self._pool.run_when_idle(self._make, recipe.peppers, recipe.suite, recipe.params)
        if self._recipe().made(material):  # the pepper was not rotated while it was derived
            self._pairs.append(ReservedReceipt(secret=secret, material=material))
