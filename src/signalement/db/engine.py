"""Database connections and explicit transactions.

``Database.writing()`` hands out a session that is rolled back unless the
caller commits it with ``await session.commit()``. Commits are therefore
visible in the code that needs them, and a failed commit raises where the
caller can see it, before any acknowledgement goes out.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``
(an acknowledged report survives power loss), ``secure_delete=ON`` (deleted
rows are overwritten, which purge relies on), and one writer connection per
process that begins with ``BEGIN IMMEDIATE`` so writers queue instead of
failing. PostgreSQL uses one pool for both roles; a connection is pinged before use only after sitting idle.

``Database.write_all()`` runs a short write transaction of Core statements given up front (the Twilio
webhooks' state, replay row and job) and commits it before it returns. On PostgreSQL it runs on a Core
connection, consecutive rows of one constant statement in one ``executemany`` (one round trip); a lone
statement goes without ``BEGIN`` and ``COMMIT``, which PostgreSQL makes a transaction of its own. On SQLite
it runs as one call on a thread and connection of its own: ``BEGIN IMMEDIATE``, the statements, ``COMMIT``,
back to back, so SQLite's write lock is held for the statements and the fsync only, however busy the event
loop is (a session hops to the event loop between statements and holds the lock meanwhile). See
docs/decisions/0017.

Every SQLite write transaction (``write_all``'s and a ``writing()`` session's) first takes an exclusive OS lock
(``flock``) on ``<database>.lock``, then runs ``BEGIN IMMEDIATE``, and lets it go after ``COMMIT`` or
``ROLLBACK``. A writer waiting for another (in this process or another one) is woken by the kernel when the
lock is released, where SQLite's ``busy_timeout`` handler sleeps in growing steps (up to 100 ms) and polls.
The kernel frees the lock when its holder dies (even ``kill -9``). ``busy_timeout`` stays as the fallback for
writers that do not take the lock (the ``sqlite3`` shell). PostgreSQL has no lock file. See docs/decisions/0017.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import fcntl
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Executable, event
from sqlalchemy.engine import CursorResult, Dialect, Row, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, InvalidatePoolError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA secure_delete=ON",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


# How long a writer waits for the write lock before it gives up: SQLite's busy_timeout, the same bound.
WRITE_LOCK_TIMEOUT = 10.0
_LOCK_KEY = "signalement_write_lock"
# PostgreSQL: a pooled connection idle this long is pinged before use (``_install_idle_ping``).
IDLE_PING_SECONDS = 2.0
_IDLE_KEY = "signalement_idle_since"


@dataclass(slots=True)
class LockWaits:
    """How long this process's write transactions waited for SQLite's write lock: from wanting it to the end of
    ``BEGIN IMMEDIATE`` (the lock file's wait, then SQLite's own). A cheap probe, read by the tests and the
    benchmarks."""

    taken: int = 0
    waited: int = 0  # of which waited more than a millisecond
    seconds: float = 0.0
    longest: float = 0.0
    at: float = 0.0  # time.time() when it was last taken

    def add(self, started: float) -> None:
        """One transaction's ``BEGIN IMMEDIATE`` has returned; it started waiting at ``started`` (perf_counter)."""
        seconds = time.perf_counter() - started
        self.at = time.time()
        self.taken += 1
        self.seconds += seconds
        self.longest = max(self.longest, seconds)
        if seconds > 0.001:
            self.waited += 1


def _close_if_taken(future: concurrent.futures.Future[int]) -> None:
    if not future.cancelled() and future.exception() is None:
        os.close(future.result())


class WriteLock:
    """An exclusive ``flock`` on a file beside the SQLite database, held around each write transaction.

    Each holder opens the file itself: ``flock`` locks belong to an open file description, so two holders in
    one process exclude each other as two processes do. Waiting blocks in the kernel (in a thread, never on the
    event loop) and wakes when the holder closes its descriptor, or dies."""

    def __init__(self, database_path: str) -> None:
        self.path = database_path + ".lock"
        self.waits = LockWaits()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-write-lock")

    def open(self) -> int:
        return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def take_blocking(self, fd: int | None = None) -> int:
        """Take the lock on ``fd`` (a new descriptor if None), waiting as long as it takes; returns ``fd``."""
        own = fd is None
        fd = self.open() if fd is None else fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            if own:
                os.close(fd)
            raise
        return fd

    async def take(self) -> int:
        """Take the lock on a new descriptor (close it to release). Free: at once, on the event loop's thread.
        Held: wait in the lock's thread, at most ``WRITE_LOCK_TIMEOUT`` (then ``TimeoutError``, which callers
        treat as the database being busy). If the wait is abandoned, the lock is let go as soon as it comes."""
        fd = self.open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
        except BaseException:
            os.close(fd)
            raise
        else:
            return fd
        future = self._executor.submit(self.take_blocking)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), WRITE_LOCK_TIMEOUT)
        except BaseException:
            future.add_done_callback(_close_if_taken)
            raise

    def take_in_greenlet(self) -> int:
        """``take`` from SQLAlchemy's synchronous code (a ``begin`` event): awaited on the event loop when run
        under the asyncio engine, a blocking wait otherwise."""
        if in_greenlet():
            return await_only(self.take())
        return self.take_blocking()

    def close(self) -> None:
        """Let the waiting thread go (a later ``take`` starts another)."""
        self._executor.shutdown(wait=False)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-write-lock")


def _install_write_lock(engine: AsyncEngine, lock: WriteLock) -> None:
    """The sessions' writer takes ``lock`` before ``BEGIN IMMEDIATE`` and lets it go when the connection goes
    back to the pool (after ``COMMIT`` or the rollback on return), or is invalidated."""

    def release(record: Any) -> None:
        fd = record.info.pop(_LOCK_KEY, None) if record is not None else None
        if fd is not None:
            os.close(fd)

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        release(record)

    @event.listens_for(engine.sync_engine, "invalidate")
    def on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        release(record)

    @event.listens_for(engine.sync_engine, "close")
    def on_close(_dbapi_connection: Any, record: Any) -> None:
        release(record)


def _install_sqlite_pragmas(engine: AsyncEngine, *, writer: bool, lock: WriteLock | None = None) -> None:
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
        if lock is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")
            return
        started = time.perf_counter()
        info = conn.connection.info
        if _LOCK_KEY not in info:
            info[_LOCK_KEY] = lock.take_in_greenlet()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        lock.waits.add(started)


def _install_idle_ping(engine: AsyncEngine) -> None:
    """Check a pooled connection with a ping before use only if it sat idle ``IDLE_PING_SECONDS`` or more.

    ``pool_pre_ping`` pings on every checkout: on asyncpg three round trips (BEGIN, the ping, ROLLBACK), six of
    an SMS text's fifteen. A connection in steady use has just proved itself; one left idle is where a database
    restart or a dropped link hides. A failed ping invalidates the pool, which connects afresh (the outage test).
    A connection that dies while in use fails that one request with a calm 503 (``is_unavailable``) and
    invalidates the pool, as before."""

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_KEY] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_KEY, None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # just connected, or used a moment ago
        try:
            engine.sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise InvalidatePoolError(f"idle connection failed its ping ({type(exc).__name__})") from exc


class NothingChangedError(Exception):
    """A ``Write`` that had to change a row changed none: the whole transaction was rolled back."""


@dataclass(frozen=True, slots=True)
class Write:
    """One statement of ``Database.write_all``. With ``params``, ``statement`` is a constant with
    ``bindparam()``s, compiled once per process; without, one with its values in it, compiled each time.
    Consecutive ``Write``s of one constant statement without ``required`` go to PostgreSQL in one
    ``executemany`` (one round trip). With ``required``, touching no row rolls everything back and raises that
    exception (a version check that lost)."""

    statement: Executable
    params: Mapping[str, Any] | None = None
    required: type[Exception] | None = None


def _batch_key(write: Write) -> tuple[Executable, bool]:
    """Rows of one constant statement that need no row-count check can share an ``executemany``."""
    return write.statement, write.params is not None and write.required is None


def _sqlite_args(compiled: Any, params: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """The positional parameters, converted by the columns' types exactly as SQLAlchemy's own execution does
    (``engine/default.py``: ``construct_params``, then ``_bind_processors``)."""
    values = compiled.construct_params(params)
    processors = compiled._bind_processors
    # A list, not a generator: a generator is resumed once a column (a case has ~30), a list built in one go.
    return tuple([processors[k](values[k]) if k in processors else values[k] for k in compiled.positiontup or ()])


def _sqlite_compile(statement: Executable, dialect: Dialect) -> Any:
    compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled.post_compile_params or compiled.literal_execute_params:
        raise ValueError("write_all takes plain statements (no expanding IN lists)")
    if compiled.insert_prefetch or compiled.update_prefetch:  # Python-side defaults are run by an execution
        names = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]  # we do not have
        raise ValueError(f"write_all needs every column with a Python-side default given: {names}")
    return compiled


class _SqliteWriteThread:
    """``write_all`` on SQLite: its own connection (the same pragmas), used by one thread only.

    A second writer connection in the process: it and the sessions' writer (and other processes') queue on the
    write lock file, woken at release; ``busy_timeout`` is the fallback. Its transactions never wait on the
    event loop."""

    def __init__(self, path: str, lock: WriteLock) -> None:
        self.path = path
        self.lock = lock
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-write-all")
        self.connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self.connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
            for pragma in SQLITE_PRAGMAS:
                connection.execute(pragma)
            self.connection = connection
        return self.connection

    def _transaction(self, statements: list[tuple[str, tuple[Any, ...], type[Exception] | None]], lock_fd: int,
                     started: float) -> None:
        """Runs with the write lock already held on ``lock_fd``; lets it go (closes it) whatever happens."""
        try:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            self.lock.waits.add(started)
            try:
                for sql, params, required in statements:
                    if connection.execute(sql, params).rowcount < 1 and required is not None:
                        raise required
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        finally:
            os.close(lock_fd)

    async def run(self, statements: list[tuple[str, tuple[Any, ...], type[Exception] | None]]) -> None:
        """Take the write lock (a bounded wait: ``TimeoutError`` after ``WRITE_LOCK_TIMEOUT``, which callers treat
        as the database being busy), then run the transaction on this thread. A caller cancelled meanwhile does
        not cancel the transaction: it commits, and its thread lets the lock go."""
        started = time.perf_counter()
        lock_fd = await self.lock.take()
        try:
            future = self.executor.submit(self._transaction, statements, lock_fd, started)
        except BaseException:
            os.close(lock_fd)
            raise
        await asyncio.shield(asyncio.wrap_future(future))

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
        self.write_lock: WriteLock | None = None  # SQLite in a file: the lock every write transaction takes
        self._compiled: dict[Executable, Any] = {}
        if self.dialect == "sqlite":
            path = parsed.database if parsed.database and parsed.database != ":memory:" else None
            if path is not None:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                self.write_lock = WriteLock(path)
            self.writer = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
            self.reader = create_async_engine(url, pool_size=4, max_overflow=0, pool_timeout=60)
            _install_sqlite_pragmas(self.writer, writer=True, lock=self.write_lock)
            _install_sqlite_pragmas(self.reader, writer=False)
            if path is not None and self.write_lock is not None:
                _install_write_lock(self.writer, self.write_lock)
                self._write_thread = _SqliteWriteThread(path, self.write_lock)
        else:
            # LIFO: under load the same few connections stay in use (and their prepared statements cached);
            # the rest sit idle and are checked before use (``_install_idle_ping``), not on every checkout.
            self.writer = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_use_lifo=True, pool_recycle=1800
            )
            _install_idle_ping(self.writer)
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
        hot transactions whose statements are all known up front: seal and encrypt before calling. On SQLite
        the write lock is waited for at most ``WRITE_LOCK_TIMEOUT`` (then ``TimeoutError``: ``is_unavailable``,
        the app's calm 503), on the event loop, before the writer thread is given the transaction."""
        if self._write_thread is None:
            if len(writes) == 1:
                await self._write_alone(writes[0])
                return
            # A Core connection (nothing here is an ORM object), and consecutive rows of one constant statement
            # in one executemany: on PostgreSQL every execution is a network round trip, and every round trip
            # resumes each coroutine of the request on the event loop (docs/performance.md, third round).
            async with self.writer.begin() as conn:
                for (statement, batchable), group in groupby(writes, key=_batch_key):
                    batch = list(group)
                    if batchable and len(batch) > 1:
                        await conn.execute(statement, [cast(Mapping[str, Any], write.params) for write in batch])
                        continue
                    for write in batch:
                        result = await conn.execute(write.statement, write.params)
                        if not result.rowcount and write.required is not None:
                            raise write.required
            return
        statements: list[tuple[str, tuple[Any, ...], type[Exception] | None]] = []
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

    async def _write_alone(self, write: Write) -> None:
        """One statement on PostgreSQL, which runs it as a transaction of its own: all of it or none of it. Sent
        in autocommit, it is one round trip where ``BEGIN``, the statement and ``COMMIT`` are three."""
        async with self.writer.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            result = await conn.execute(write.statement, write.params)
            if not result.rowcount and write.required is not None:
                raise write.required

    async def read_all(self, statement: Executable) -> Sequence[Row[*tuple[Any, ...]]]:
        """The rows of one read-only statement. On PostgreSQL it runs on its own, outside any transaction (one
        round trip, where a session adds BEGIN and ROLLBACK): a single statement reads one snapshot, so
        statements that must agree belong in one (a UNION ALL, a join). On SQLite, in a reader session."""
        if self.is_postgres:
            async with self.reader.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                return (await autocommit.execute(statement)).all()
        async with self.reading() as session:
            return (await session.execute(statement)).all()

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
        if self.write_lock is not None:
            self.write_lock.close()
            probe = os.environ.get("BENCH_SQLITE_LOCK_PROBE")  # benchmarks: where to note this process's waits
            if probe:
                _note_waits(probe, self.write_lock.waits)


def _note_waits(path: str, w: LockWaits) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} taken={w.taken} waited={w.waited} seconds={w.seconds:.3f} "
                  f"longest={w.longest * 1000:.1f}ms\n")


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached, dropped the connection or is busy (not a bad query).

    Callers answer a calm 503 that keeps the reporter's input, and acknowledge nothing: the commit did
    not happen. The pool re-connects on its own once the database is back (``_install_idle_ping``)."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(exc, OperationalError | InterfaceError)
    return isinstance(exc, PoolTimeoutError | ConnectionError | TimeoutError)


async def rows_affected(session: AsyncSession, statement: Executable) -> int:
    """Run an UPDATE or DELETE and say how many rows it touched (the single-use checks count on it)."""
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount or 0)
