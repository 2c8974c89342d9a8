"""The database-layer tests' own databases: empty, at the newest schema, one per test.

Migrating from nothing runs every revision (about a second a test, a round trip each on PostgreSQL); each
backend is migrated once per session (per xdist worker) and every test gets a copy of that: the SQLite file
through SQLite's backup API, or ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. ``test_migrations.py`` still
runs every revision, up and down, itself."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from signalement.db import migrate
from signalement.db.engine import Database
from support import pg


class MigratedTemplates:
    """One empty database at the head revision per backend, made on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, str] = {}  # backend -> SQLite path or PostgreSQL database name

    def _build(self, backend: str) -> str:
        name = pg.create_database("sig_db_tpl") if backend == "postgres" else str(self.root / "head.db")
        database = Database(pg.sqlalchemy_url(name) if backend == "postgres" else f"sqlite+aiosqlite:///{name}")

        async def upgrade() -> None:
            try:
                await migrate.upgrade(database)
            finally:
                await database.dispose()

        pg.run_sync(upgrade())
        return name

    def copy(self, backend: str, dest: Path) -> tuple[Database, str | None]:
        """A new database holding the template's schema, and its PostgreSQL name to drop (None on SQLite)."""
        if backend not in self.built:
            self.built[backend] = self._build(backend)
        if backend == "postgres":
            name = pg.create_database("sig_db_t", template=self.built[backend])
            return Database(pg.sqlalchemy_url(name)), name
        path = dest / "w.db"
        with closing(sqlite3.connect(self.built[backend])) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
        return Database(f"sqlite+aiosqlite:///{path}"), None

    def drop(self) -> None:
        if "postgres" in self.built:
            pg.drop_database(self.built["postgres"])


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    templates = MigratedTemplates(tmp_path_factory.mktemp("db-head"))
    yield templates
    templates.drop()


@pytest.fixture
async def head_db(migrated_templates: MigratedTemplates, request: pytest.FixtureRequest,
                  tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database at the head revision for this test: on the test's ``backend`` if it has one, else
    SQLite."""
    backend = request.getfixturevalue("backend") if "backend" in request.fixturenames else "sqlite"
    database, name = migrated_templates.copy(backend, tmp_path)
    try:
        yield database
    finally:
        await database.dispose()
        if name:
            pg.drop_database(name)
