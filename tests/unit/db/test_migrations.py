"""Every migration goes up and down, with data in the tables, on SQLite and PostgreSQL;
and the models never drift from what the migrations build."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    inspect,
    select,
)

from signalement.db import migrate
from signalement.db.engine import Database
from signalement.db.models import Base
from support import pg


@pytest.fixture
async def empty_db(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    if backend == "postgres":
        name = pg.create_database("sig_mig")
        db = Database(pg.sqlalchemy_url(name))
    else:
        name = None
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        yield db
    finally:
        await db.dispose()
        if name:
            pg.drop_database(name)


def _value(column, n: int):  # noqa: ANN001, ANN202 - a value of the column's type
    t = column.type
    if isinstance(t, Boolean):
        return False
    if isinstance(t, Integer | BigInteger):
        return n
    if isinstance(t, DateTime):
        return dt.datetime(2026, 1, 1, n % 24, tzinfo=dt.UTC)
    if isinstance(t, Date):
        return dt.date(2026, 1, 1 + n % 28)
    if isinstance(t, LargeBinary):
        return b"\x00sealed"
    if isinstance(t, JSON):
        return {"n": n}
    if isinstance(t, String | Text):
        length = getattr(t, "length", None) or 32
        return f"v{n}"[:length]
    raise AssertionError(f"no sample value for {t!r}")


def _fill(sync_conn, n: int) -> dict[str, int]:  # noqa: ANN001
    """Insert one row into every table (parents first), respecting foreign keys."""
    meta = MetaData()
    meta.reflect(sync_conn)
    inserted: dict[str, dict[str, object]] = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        row: dict[str, object] = {}
        for col in table.columns:
            fk = next(iter(col.foreign_keys), None)
            if fk is not None and fk.column.table.name in inserted:
                row[col.name] = inserted[fk.column.table.name][fk.column.name]
            elif col.autoincrement is True and col.primary_key and isinstance(col.type, Integer | BigInteger):
                continue
            elif col.primary_key and isinstance(col.type, Integer | BigInteger):
                # Far above any id a downgrade's own inserts take (0013 folds day cells back into hours).
                row[col.name] = 1000 * n
            else:
                row[col.name] = _value(col, n)
        result = sync_conn.execute(table.insert().values(**row))
        pk = result.inserted_primary_key
        for i, pk_col in enumerate(table.primary_key.columns):
            row[pk_col.name] = pk[i] if pk and pk[i] is not None else row.get(pk_col.name)
        inserted[table.name] = row
    return {name: _count(sync_conn, meta.tables[name]) for name in inserted}


def _count(sync_conn, table: Table) -> int:  # noqa: ANN001
    return sync_conn.execute(select(func.count()).select_from(table)).scalar_one()


def _tables(sync_conn) -> set[str]:  # noqa: ANN001
    return set(inspect(sync_conn).get_table_names()) - {"alembic_version"}


def _columns(sync_conn) -> set[tuple[str, str]]:  # noqa: ANN001
    insp = inspect(sync_conn)
    return {(t, c["name"]) for t in _tables(sync_conn) for c in insp.get_columns(t)}


def _indexes(sync_conn) -> set[tuple[str, str]]:  # noqa: ANN001
    insp = inspect(sync_conn)
    return {(t, ix["name"]) for t in _tables(sync_conn) for ix in insp.get_indexes(t)}


# Rows a revision's downgrade moves into a table that stays: 0013 folds its day cell back into hourly cells.
FOLDED_ON_DOWNGRADE = {("0013", "funnel_counts"): 1}


async def test_every_revision_upgrades_and_downgrades_with_data(empty_db: Database) -> None:
    revisions = migrate.all_revisions()
    assert revisions[0] == "0001" and len(revisions) >= 4
    tables_at: dict[str | None, set[str]] = {None: set()}
    indexes_at: dict[str | None, set[tuple[str, str]]] = {None: set()}
    columns_at: dict[str | None, set[tuple[str, str]]] = {None: set()}
    previous: str | None = None
    for n, rev in enumerate(revisions, start=1):
        await migrate.upgrade(empty_db, rev)
        async with empty_db.writer.connect() as conn:
            tables_at[rev] = await conn.run_sync(_tables)
            indexes_at[rev] = await conn.run_sync(_indexes)
            columns_at[rev] = await conn.run_sync(_columns)
            counts = await conn.run_sync(_fill, n)
            await conn.commit()
        # A revision changes tables, columns or indexes (0005 is indexes only, 0006 one column, 0010 replaces
        # the metrics tables).
        changed = (tables_at[rev] != tables_at[previous] or indexes_at[rev] != indexes_at[previous]
                   or columns_at[rev] != columns_at[previous])
        assert changed, f"{rev} changes nothing this test can see"
        # Down one step with data present, then up again: the older tables keep their rows.
        await migrate.downgrade(empty_db, previous or "base")
        async with empty_db.writer.connect() as conn:
            assert await conn.run_sync(_tables) == tables_at[previous]
            assert await conn.run_sync(_indexes) == indexes_at[previous], f"{rev} downgrade leaves indexes"
            assert await conn.run_sync(_columns) == columns_at[previous], f"{rev} downgrade leaves columns"
        await migrate.upgrade(empty_db, rev)
        async with empty_db.writer.connect() as conn:
            meta = MetaData()
            await conn.run_sync(meta.reflect)
            for name in tables_at[previous] & tables_at[rev]:  # a table a revision replaces is migrated
                folded = FOLDED_ON_DOWNGRADE.get((rev, name), 0)
                assert await conn.run_sync(_count, meta.tables[name]) == counts[name] + folded, name
        previous = rev
    assert await migrate.current_revision(empty_db) == migrate.head_revision()
    await migrate.downgrade(empty_db, "base")
    async with empty_db.writer.connect() as conn:
        assert await conn.run_sync(_tables) == set()


async def test_the_models_match_what_the_migrations_build(empty_db: Database) -> None:
    await migrate.upgrade(empty_db)
    async with empty_db.writer.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": False}), Base.metadata)
        )
    assert diff == [], f"models and migrations differ: {diff}"
