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

``Database.write_all()`` runs a short write transaction of Core statements given up front (the Twilio
webhooks' state, replay row and job) and commits it before it returns. On SQLite it runs as one call on a
thread and connection of its own: ``BEGIN IMMEDIATE``, the statements, ``COMMIT``, back to back, so SQLite's
write lock is held for the statements and the fsync only, however busy the event loop is (a session hops to
the event loop between statements and holds the lock meanwhile). See docs/decisions/0017.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Executable, event
from sqlalchemy.engine import CursorResult, Dialect, make_url
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


class NothingChangedError(Exception):
    """A ``Write`` that had to change a row changed none: the whole transaction was rolled back."""


@dataclass(frozen=True, slots=True)
class Write:
    """One statement of ``Database.write_all``. With ``params``, ``statement`` is a constant with
    ``bindparam()``s, compiled once per process; without, one with its values in it, compiled each time. With
    ``required``, touching no row rolls everything back and raises that exception (a version check that lost)."""

    statement: Executable
    params: Mapping[str, Any] | None = None
    required: type[Exception] | None = None


def _sqlite_args(compiled: Any, params: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """The positional parameters, converted by the columns' types exactly as SQLAlchemy's own execution does
    (``engine/default.py``: ``construct_params``, then ``_bind_processors``)."""
    values = compiled.construct_params(params)
    processors = compiled._bind_processors
    return tuple(processors[k](values[k]) if k in processors else values[k] for k in compiled.positiontup or ())


def _sqlite_compile(statement: Executable, dialect: Dialect) -> Any:
    compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled.post_compile_params or compiled.literal_execute_params:
        raise ValueError("write_all takes plain statements (no expanding IN lists)")
    return compiled


class _SqliteWriteThread:
    """``write_all`` on SQLite: its own connection (the same pragmas), used by one thread only.

    A second writer connection in the process: it and the sessions' writer queue for SQLite's lock through
    ``busy_timeout``, as two processes' writers always did. Its transactions never wait on the event loop."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-write-all")
        self.connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self.connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
            for pragma in SQLITE_PRAGMAS:
                connection.execute(pragma)
            self.connection = connection
        return self.connection

    def _transaction(self, statements: list[tuple[str, tuple[Any, ...], type[Exception] | None]]) -> None:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            for sql, params, required in statements:
                if connection.execute(sql, params).rowcount < 1 and required is not None:
                    raise required
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    async def run(self, statements: list[tuple[str, tuple[Any, ...], type[Exception] | None]]) -> None:
        await asyncio.get_running_loop().run_in_executor(self.executor, self._transaction, statements)

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    async def close(self) -> None:
        """Close the connection and let the thread go (a later ``run`` opens both again)."""
        await asyncio.get_running_loop().run_in_executor(self.executor, self._close)
        self.executor.shutdown(wait=False)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-write-all")


class Database:
    """The process's engines: one writer and a reader pool on SQLite, one shared pool on PostgreSQL."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self._write_thread: _SqliteWriteThread | None = None
        self._compiled: dict[Executable, Any] = {}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.writer = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
            self.reader = create_async_engine(url, pool_size=4, max_overflow=0, pool_timeout=60)
            _install_sqlite_pragmas(self.writer, writer=True)
            _install_sqlite_pragmas(self.reader, writer=False)
            if parsed.database and parsed.database != ":memory:":
                self._write_thread = _SqliteWriteThread(parsed.database)
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

    async def write_all(self, writes: Sequence[Write]) -> None:
        """One write transaction of ``writes``, committed when this returns; rolled back if anything raises
        (a database error as SQLAlchemy's own exception: ``IntegrityError`` for a UNIQUE key). For short,
        hot transactions whose statements are all known up front: seal and encrypt before calling."""
        if self._write_thread is None:
            async with self.writing() as session:
                for write in writes:
                    result = cast(CursorResult[Any], await session.execute(write.statement, write.params))
                    if not result.rowcount and write.required is not None:
                        raise write.required
                await session.commit()
            return
        statements = []
        for write in writes:
            if write.params is None:
                compiled = _sqlite_compile(write.statement, self.writer.dialect)
            else:  # a constant statement: compiled once
                compiled = self._compiled.get(write.statement)
                if compiled is None:
                    compiled = self._compiled[write.statement] = _sqlite_compile(write.statement, self.writer.dialect)
            statements.append((compiled.string, _sqlite_args(compiled, write.params), write.required))
        try:
            await self._write_thread.run(statements)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statements[0][0], None, exc, sqlite3.Error, hide_parameters=True,
                                      dialect=self.writer.dialect) from exc

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (enforced by ``query_only`` on SQLite). Closing it ends the transaction;
        objects it loaded stay readable (they are detached, not expired)."""
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        if self._write_thread is not None:
            await self._write_thread.close()
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
