"""queue: cases whose reporter is in danger now lead each urgency; a partial index keeps that run cheap

The queue orders by (urgency_rank, danger first, sla_due_at, id). Within one
urgency, ``officer.queue`` asks for the danger-now cases and the others as two
index-ordered branches; this index holds only the danger-now cases, already in
queue order, so their branch walks a handful of rows instead of filtering the
whole urgency. Its predicate is exactly the one the queue writes.

Revision ID: 0012
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE_COLUMNS = ["is_open", "urgency_rank", "sla_due_at", "id"]
PREDICATE = "danger_now"


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_danger_queue",
            QUEUE_COLUMNS,
            unique=False,
            postgresql_where=sa.text(PREDICATE),
            sqlite_where=sa.text(PREDICATE),
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_danger_queue")
