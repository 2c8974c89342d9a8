"""Phone calls in progress: one encrypted row per call

* ``voice_calls``: found by a keyed HMAC of the CallSid (Twilio's key to a call log that holds the
  caller's number), never the SID. The state (menu answers; once filed, the receipt to read back) is
  AES-GCM encrypted under a key derived from the blind-index key *and the CallSid*, so neither a
  database nor a blind-index key alone opens it. Only the hour after which the row may go is clear.

Downgrade drops the table: calls in progress are lost, filed reports are not.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_calls",
        sa.Column("call_index", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("call_index", name=op.f("pk_voice_calls")),
    )
    op.create_index(op.f("ix_voice_calls_delete_after"), "voice_calls", ["delete_after"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_voice_calls_delete_after"), table_name="voice_calls")
    op.drop_table("voice_calls")
