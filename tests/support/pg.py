"""The real PostgreSQL server at 127.0.0.1:5432: is it there, and databases for tests.

Without it, PostgreSQL tests skip with the reason printed; with CI=true they fail,
because CI must prove both databases.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid

import asyncpg
import pytest

ADMIN_DSN = os.environ.get("SIGNALEMENT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

_status: dict[str, str | None] = {}


def run_sync(coro):  # type: ignore[no-untyped-def]
    """Run a coroutine to completion even when called from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _probe() -> str | None:
    try:
        conn = await asyncpg.connect(ADMIN_DSN, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL not reachable at {ADMIN_DSN} ({type(exc).__name__})"
    await conn.close()
    return None


def unavailable_reason() -> str | None:
    if "reason" not in _status:
        _status["reason"] = run_sync(_probe())
    return _status["reason"]


def require_postgres() -> None:
    reason = unavailable_reason()
    if reason is None:
        return
    if CI:
        pytest.fail(f"{reason}; CI=true requires PostgreSQL", pytrace=False)
    pytest.skip(f"{reason}; start it to run the PostgreSQL tests (CI=true makes this a failure)")


def sqlalchemy_url(dbname: str) -> str:
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{dbname}"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(prefix: str, template: str | None = None, name: str = "") -> str:
    name = name or f"{prefix}_{uuid.uuid4().hex[:12]}"
    tpl = f" TEMPLATE {template}" if template else ""
    run_sync(_admin(f'CREATE DATABASE "{name}"{tpl}'))
    return name


def drop_database(name: str) -> None:
    run_sync(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
