"""The queue's cursor, its category predicate, the 0005 indexes and the vocabularies stay consistent."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, true
from sqlalchemy.dialects import postgresql, sqlite

from signalement import triage
from signalement.db.migrate import MIGRATIONS
from signalement.db.models import Case
from signalement.officer.filters import check_vocabularies
from signalement.officer.queue import Cursor, InvalidCursorError, category_condition


@given(
    rank=st.integers(0, 2),
    due=st.datetimes(
        min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
    ),
    case_id=st.text("0123456789abcdef", min_size=32, max_size=32),
    danger=st.booleans(),
)
def test_a_cursor_survives_its_round_trip(rank: int, due: dt.datetime, case_id: str, danger: bool) -> None:
    cursor = Cursor(rank, due, case_id, danger)
    assert Cursor.decode(cursor.encode()) == cursor


def test_a_cursor_from_before_the_danger_order_still_reads_as_not_danger() -> None:
    old = Cursor.decode("1.5.0123456789abcdef0123456789abcdef")
    assert old == Cursor(1, dt.datetime(1970, 1, 1, 0, 0, 0, 5, tzinfo=dt.UTC), "0123456789abcdef0123456789abcdef")
    assert old.position == (1, 1) and Cursor(1, old.sla_due_at, old.id, True).position == (1, 0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "3.1.0123456789abcdef0123456789abcdef",
        "1.x.0123456789abcdef0123456789abcdef",
        "1.5.0123",
        "1.5.0123456789ABCDEF0123456789ABCDEF",
        "1.2.5.0123456789abcdef0123456789abcdef",
        "1.5.' or 1=1 --",
    ],
)
def test_a_cursor_we_did_not_make_is_refused(text: str) -> None:
    with pytest.raises(InvalidCursorError):
        Cursor.decode(text)


def _predicate_sql(index) -> str:  # noqa: ANN001
    return str(index.dialect_options["postgresql"]["where"])


def test_each_category_has_a_partial_index_whose_predicate_the_queue_writes_verbatim() -> None:
    indexes = {ix.name: ix for ix in Case.__table__.indexes}
    for bit, code in enumerate(triage.CATEGORIES):
        index = indexes[f"ix_cases_cat_{code}"]
        predicate = f"(categories & {1 << bit}) <> 0"
        assert _predicate_sql(index) == predicate
        assert str(index.dialect_options["sqlite"]["where"]) == predicate
        assert [c.name for c in index.columns] == ["is_open", "urgency_rank", "sla_due_at", "id"]
        for dialect in (postgresql.dialect(), sqlite.dialect()):
            compiled = str(category_condition(code).compile(dialect=dialect))
            assert compiled == f"(cases.categories & {1 << bit}) != 0", compiled


def test_migration_0005_indexes_the_same_categories_in_the_same_order() -> None:
    path = next((MIGRATIONS / "versions").glob("0005_*.py"))
    spec = importlib.util.spec_from_file_location("m0005", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.CATEGORIES == triage.CATEGORIES


def test_the_api_vocabularies_match_triage_i18n_and_the_workflow() -> None:
    assert check_vocabularies() == []


def test_the_danger_position_writes_the_0012_partial_index_predicate_verbatim() -> None:
    from signalement.officer.queue import LIST_COLUMNS, _position_conditions

    index = {ix.name: ix for ix in Case.__table__.indexes}["ix_cases_danger_queue"]
    assert _predicate_sql(index) == "danger_now" == str(index.dialect_options["sqlite"]["where"])
    assert [c.name for c in index.columns] == ["is_open", "urgency_rank", "sla_due_at", "id"]
    stmt = (
        select(*LIST_COLUMNS)
        .where(Case.is_open == true(), *_position_conditions(0, True, None))
        .order_by(Case.urgency_rank, Case.sla_due_at, Case.id)
        .limit(51)
    )
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        assert " AND cases.danger_now ORDER BY" in str(stmt.compile(dialect=dialect)).replace("\n", " ")
    # SQLite can answer the danger position from that index (it refuses INDEXED BY when the predicate differs).
    db = sqlite3.connect(":memory:")
    engine = create_engine("sqlite://", creator=lambda: db)
    Case.metadata.create_all(engine)
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    plan = db.execute("EXPLAIN QUERY PLAN " + sql.replace("FROM cases", "FROM cases INDEXED BY ix_cases_danger_queue"))
    assert "ix_cases_danger_queue" in str(plan.fetchall())
