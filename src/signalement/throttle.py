"""Throttling without keeping anyone's address.

Every limit is keyed on ``HMAC(daily salt, client address)``. The salt is
derived from the form key and today's date (UTC), so the key changes at
midnight and cannot be linked to yesterday's, and the raw address is never
written anywhere, Redis included.

Receipt guessing is throttled two ways:

* per client: a hard limit (``429``) after repeated failures;
* per case code: failures only add a growing delay, capped at a few seconds.
  A hard per-code lock would let an abuser who knows a worker's case code
  lock the worker out by guessing wrong on purpose. The secret's ~50 bits,
  not the per-code limit, are what stop guessing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import TYPE_CHECKING

import msgspec
from litestar.stores.base import Store

from signalement.settings import KeyList

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

CLIENT_FAILURE_LIMIT = 10
CLIENT_WINDOW_SECONDS = 15 * 60
CODE_FREE_FAILURES = 5
CODE_WINDOW_SECONDS = 60 * 60
CODE_MAX_DELAY_SECONDS = 3.0


class ClientHasher:
    """Turns a client address into a pseudonym that changes every day."""

    def __init__(self, form_keys: KeyList) -> None:
        self._key = form_keys.current[1]
        self._today: tuple[dt.date, bytes] | None = None  # every request hashes with today's salt: kept

    def _salt(self, day: dt.date) -> bytes:
        if self._today is not None and self._today[0] == day:
            return self._today[1]
        salt = hmac.new(self._key, f"throttle-salt|{day.isoformat()}".encode(), hashlib.sha256).digest()
        self._today = (day, salt)
        return salt

    def pseudonym(self, value: str, *, purpose: str, day: dt.date | None = None) -> str:
        day = day or dt.datetime.now(dt.UTC).date()
        return hmac.new(self._salt(day), f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def for_connection(self, connection: ASGIConnection, purpose: str = "client") -> str:
        client = connection.scope.get("client")
        address = client[0] if client else "unknown"
        return self.pseudonym(address, purpose=purpose)


class _Count(msgspec.Struct):
    n: int


class FailureCounter:
    """Failures per key in a Litestar store (Redis when configured), each key expiring on its own.

    The one counter every throttle uses (receipt guesses, staff sign-in). Not
    atomic across replicas: a few lost increments are tolerable for limits
    this coarse, in front of secrets that are what really stops guessing.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    async def count(self, key: str) -> int:
        raw = await self.store.get(key)
        return msgspec.json.decode(raw, type=_Count).n if raw else 0

    async def add(self, key: str, window_seconds: int) -> int:
        n = await self.count(key) + 1
        await self.store.set(key, msgspec.json.encode(_Count(n)), expires_in=window_seconds)
        return n

    async def clear(self, key: str) -> None:
        await self.store.delete(key)


class GuessThrottle:
    """Counts failed receipt checks per client and per case code."""

    def __init__(self, store: Store) -> None:
        self.failures = FailureCounter(store)

    async def client_blocked(self, client: str) -> bool:
        return await self.failures.count(f"guess:client:{client}") >= CLIENT_FAILURE_LIMIT

    async def code_delay(self, code_pseudonym: str) -> float:
        failures = await self.failures.count(f"guess:code:{code_pseudonym}")
        if failures <= CODE_FREE_FAILURES:
            return 0.0
        return min(CODE_MAX_DELAY_SECONDS, 0.25 * 2 ** (failures - CODE_FREE_FAILURES - 1))

    async def record_failure(self, client: str, code_pseudonym: str) -> None:
        await self.failures.add(f"guess:client:{client}", CLIENT_WINDOW_SECONDS)
        await self.failures.add(f"guess:code:{code_pseudonym}", CODE_WINDOW_SECONDS)
