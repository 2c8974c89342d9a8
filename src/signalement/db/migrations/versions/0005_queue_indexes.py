"""queue indexes: one partial index per triage category, and (province, received_at) for duplicates

The officer queue filters on a category (a bit of ``cases.categories``) and
orders by (urgency_rank, sla_due_at, id). A bit test cannot use a B-tree,
so without these the database walks every open case for a rare category.
Each index holds only the cases carrying one category, already in queue
order; ``officer.queue.category_condition`` writes the same predicate.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Bit i is triage.CATEGORIES[i]. Frozen here: a migration must keep building what it built.
CATEGORIES = (
    "wages",
    "hours_rest",
    "job_mismatch",
    "health_safety",
    "housing",
    "documents",
    "confinement",
    "physical_abuse",
    "sexual_abuse",
    "psychological_abuse",
    "status_threats",
    "reprisal",
    "recruitment_fees",
    "financial_abuse",
    "other",
)
QUEUE_COLUMNS = ["is_open", "urgency_rank", "sla_due_at", "id"]


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for bit, code in enumerate(CATEGORIES):
            predicate = sa.text(f"(categories & {1 << bit}) <> 0")
            batch_op.create_index(
                f"ix_cases_cat_{code}",
                QUEUE_COLUMNS,
                unique=False,
                postgresql_where=predicate,
                sqlite_where=predicate,
            )
        batch_op.create_index("ix_cases_province_received", ["province", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_province_received")
        for code in reversed(CATEGORIES):
            batch_op.drop_index(f"ix_cases_cat_{code}")
