"""One ``asyncio.Lock`` per conversation or call in this process, so its webhooks are handled one at a time.

Keys are blind indexes (never a number or a SID). A lock is forgotten as soon as nobody holds or waits on it,
so the table stays as small as the number of conversations in flight. Across replicas, the rows' version
numbers do the same job.
"""

from __future__ import annotations

import asyncio
import weakref


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def get(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock
