"""metrics: day roll-up of the hourly funnel cells; covering indexes for the research case figures

``funnel_days`` holds the same cells as ``funnel_counts`` with the hour coarsened to its UTC day.
``metrics.rollup`` moves hourly cells older than ``SIGNALEMENT_METRICS_HOURLY_DAYS`` into it in the
flush's transaction (existing hourly cells move at the first flush after upgrading), so that the research
pages read a year as days.

Downgrading moves every day cell back into ``funnel_counts`` at midnight UTC of its day (counts are kept;
their hour within the day was already gone), then drops the table.

Revision ID: 0013
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["event", "step", "field", "channel", "language", "variant", "duration"]


def upgrade() -> None:
    op.create_table(
        "funnel_days",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("field", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funnel_days")),
    )
    op.create_index("ux_funnel_days_cell", "funnel_days", [*KEY, "day"], unique=True)
    # Covering indexes for the research tier's case-handling figures (metrics.casework): read a period's
    # cases, first status changes and first replies without touching the tables.
    op.create_index("ix_cases_research", "cases",
                    ["received_at", "urgency", "channel", "language", "sla_due_at", "id"], unique=False)
    op.create_index("ix_messages_research", "messages", ["case_id", "author", "created_at"], unique=False)
    op.create_index("ix_audit_log_research", "audit_log", ["action", "object_id", "at"], unique=False)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    midnight = "(day::timestamp AT TIME ZONE 'UTC')" if postgres else "(day || ' 00:00:00.000000')"
    cols = ", ".join(KEY)
    op.execute(
        f"INSERT INTO funnel_counts (hour, {cols}, count) "  # noqa: S608  # nosec B608 - our own column names
        f"SELECT {midnight}, {cols}, count FROM funnel_days WHERE true "
        f"ON CONFLICT (hour, {cols}) DO UPDATE SET count = funnel_counts.count + excluded.count"
    )
    op.drop_index("ix_audit_log_research", table_name="audit_log")
    op.drop_index("ix_messages_research", table_name="messages")
    op.drop_index("ix_cases_research", table_name="cases")
    op.drop_index("ux_funnel_days_cell", table_name="funnel_days")
    op.drop_table("funnel_days")
