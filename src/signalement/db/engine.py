"""Database connections and explicit transactions.

``Database.writing()`` hands out a session that is rolled back unless the
caller commits it with ``await session.commit()``. Commits are therefore
visible in the code that needs them, and a failed commit raises where the
caller can see it, before any acknowledgement goes out.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``
(an acknowledged report survives power loss), ``secure_delete=ON`` (deleted
rows are overwritten, which purge relies on), and one writer connection per
process that begins with ``BEGIN IMMEDIATE`` so writers queue instead of
failing. PostgreSQL uses one pool for both roles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Executable, event
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA secure_delete=ON",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


def _install_sqlite_pragmas(engine: AsyncEngine, *, writer: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite would otherwise defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        if not writer:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


class Database:
    """The process's engines: one writer and a reader pool on SQLite, one shared pool on PostgreSQL."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.writer = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
            self.reader = create_async_engine(url, pool_size=4, max_overflow=0, pool_timeout=60)
            _install_sqlite_pragmas(self.writer, writer=True)
            _install_sqlite_pragmas(self.reader, writer=False)
        else:
            self.writer = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
            )
            self.reader = self.writer
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False, autoflush=True)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False, autoflush=False)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A read-write session. Nothing is kept unless the caller awaits ``session.commit()``."""
        async with self._write_sessions() as session:
            try:
                yield session
            finally:
                if session.in_transaction():
                    await session.rollback()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (enforced by ``query_only`` on SQLite). Closing it ends the transaction;
        objects it loaded stay readable (they are detached, not expired)."""
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached, dropped the connection or is busy (not a bad query).

    Callers answer a calm 503 that keeps the reporter's input, and acknowledge nothing: the commit did
    not happen. The pool re-connects on its own once the database is back (``pool_pre_ping``)."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(exc, OperationalError | InterfaceError)
    return isinstance(exc, PoolTimeoutError | ConnectionError | TimeoutError)


async def rows_affected(session: AsyncSession, statement: Executable) -> int:
    """Run an UPDATE or DELETE and say how many rows it touched (the single-use checks count on it)."""
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount or 0)
