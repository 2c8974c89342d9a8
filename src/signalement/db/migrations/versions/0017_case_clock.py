"""cases: deadlines that follow the work — first response, then resolution; waiting states pause the clock

``sla_due_at`` stays the queue's clock (every queue index orders by it) but now means "the deadline this case
is working against now": the first-response deadline until an officer action that counts (``deadlines``),
then the resolution target; while the case waits for the reporter or a partner it is frozen and not
breached; while an interpreter is requested it is the interpreter's own deadline. The new columns say which:

* ``first_response_due_at``: the first-response deadline (backfilled from ``sla_due_at``; research reads it);
* ``first_response_at``: when it was met (empty for cases from before this revision until their next action);
* ``waiting_for`` (reporter | interpreter | partner) and ``waiting_since``;
* ``paused_seconds``: time spent waiting so far, added to every later deadline.

Revision ID: 0017
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite 3.35+ drops columns in place): a batch copy of ``cases`` would drop the old table,
# and with it, through ON DELETE CASCADE, every note, message and referral.
COLUMNS = ("first_response_due_at", "first_response_at", "waiting_for", "waiting_since", "paused_seconds")


def upgrade() -> None:
    op.add_column("cases", sa.Column("first_response_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("waiting_for", sa.String(length=16), nullable=True))
    op.add_column("cases", sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("paused_seconds", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE cases SET first_response_due_at = sla_due_at")


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column("cases", column)
