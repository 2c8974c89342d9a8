"""Count the trips a process makes to its database, for budgets that a loaded machine cannot distort.

* PostgreSQL (asyncpg on the standard asyncio loop): every write on a socket to the server's port. asyncpg
  sends each exchange (a simple query, a prepare, a bind-and-execute, BEGIN, COMMIT, a pool ping) as one write
  and waits for the answer, so writes are round trips.
* SQLite: every call to a connection's thread and back (aiosqlite's, and ``Database.write_all``'s writer
  thread): the hops that cost event-loop time there.

Counting is off until ``install()``; ``install()`` is idempotent and process-wide (benchmarks and tests only).
"""

from __future__ import annotations

import asyncio.selector_events
from typing import Any

import aiosqlite.core

from signalement.db import engine

PG_PORT = 5432


class Counts:
    postgres = 0
    sqlite = 0

    @classmethod
    def total(cls) -> int:
        return cls.postgres + cls.sqlite


_installed: list[bool] = []


def install(pg_port: int = PG_PORT) -> type[Counts]:
    if _installed:
        return Counts
    _installed.append(True)
    transport = asyncio.selector_events._SelectorSocketTransport  # type: ignore[attr-defined]  # noqa: SLF001
    write = transport.write

    def counted_write(self: Any, data: Any) -> None:
        peer = self.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2 and peer[1] == pg_port:
            Counts.postgres += 1
        write(self, data)

    transport.write = counted_write

    execute = aiosqlite.core.Connection._execute  # noqa: SLF001

    async def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        Counts.sqlite += 1
        return await execute(self, *args, **kwargs)

    aiosqlite.core.Connection._execute = counted_execute  # type: ignore[method-assign]  # noqa: SLF001

    run = engine._SqliteWriteThread.run  # noqa: SLF001

    async def counted_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        Counts.sqlite += 1
        return await run(self, *args, **kwargs)

    engine._SqliteWriteThread.run = counted_run  # type: ignore[method-assign]  # noqa: SLF001
    return Counts
