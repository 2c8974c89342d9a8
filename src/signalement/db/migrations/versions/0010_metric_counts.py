"""metrics: aggregate counts instead of a row per event; feedback comments sealed, dated to the day

``funnel_events`` (one row and one commit per page view) becomes ``funnel_counts`` (one row per cell,
added to by a periodic flush); existing events are summed into it. ``feedback`` stored comments in
clear with their hour: its yes/no answers are summed into ``funnel_counts`` and its comments are
**dropped**, not carried over (they were never sealed, and the point of this revision is that no
comment is kept in clear). New comments go to ``feedback_comments``, sealed to the research key.

Downgrading recreates the old tables empty: counts cannot be split back into the events they sum.

Revision ID: 0010
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CELL = ["hour", "event", "step", "field", "channel", "language", "variant", "duration"]


def upgrade() -> None:
    op.create_table(
        "funnel_counts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("field", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funnel_counts")),
    )
    op.create_index("ux_funnel_counts_cell", "funnel_counts", CELL, unique=True)
    op.create_table(
        "feedback_comments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("page", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("easy", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_comments")),
    )
    op.create_index(op.f("ix_feedback_comments_day"), "feedback_comments", ["day"], unique=False)
    op.execute(
        "INSERT INTO funnel_counts (hour, event, step, field, channel, language, variant, duration, count) "
        "SELECT hour, event, step, field, channel, language, variant, COALESCE(duration_bucket, 0), COUNT(*) "
        "FROM funnel_events WHERE event <> 'feedback' "
        "GROUP BY hour, event, step, field, channel, language, variant, COALESCE(duration_bucket, 0)"
    )
    op.execute(
        "INSERT INTO funnel_counts (hour, event, step, field, channel, language, variant, duration, count) "
        "SELECT hour, 'feedback', page, CASE WHEN easy THEN 'yes' ELSE 'no' END, channel, language, '', 0, COUNT(*) "
        "FROM feedback GROUP BY hour, page, CASE WHEN easy THEN 'yes' ELSE 'no' END, channel, language"
    )
    op.drop_index("ix_feedback_hour", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_funnel_events_hour", table_name="funnel_events")
    op.drop_table("funnel_events")


def downgrade() -> None:
    op.create_table(
        "funnel_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("field", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_bucket", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funnel_events")),
    )
    op.create_index("ix_funnel_events_hour", "funnel_events", ["hour"], unique=False)
    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("page", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("easy", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_hour", "feedback", ["hour"], unique=False)
    op.drop_index(op.f("ix_feedback_comments_day"), table_name="feedback_comments")
    op.drop_table("feedback_comments")
    op.drop_index("ux_funnel_counts_cell", table_name="funnel_counts")
    op.drop_table("funnel_counts")
