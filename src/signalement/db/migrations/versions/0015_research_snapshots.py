"""research: precomputed, already suppressed research reports, one row per dashboard window

``metrics.snapshots`` recomputes the dashboard's windows on the housekeeping timer and upserts them by
window; ``/research/`` renders the latest instead of summing a year of cells per request. Downgrading drops
the table (snapshots are derived data: the next timer tick, or the first page view, recomputes them).

Revision ID: 0015
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "research_snapshots",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_research_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("research_snapshots")
