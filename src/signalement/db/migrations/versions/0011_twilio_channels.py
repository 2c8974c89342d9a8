"""Twilio channels: SMS conversation sessions and the webhook replay ledger

* ``sms_sessions``: one row per phone in a conversation, found by a keyed HMAC of the number (blind
  index). The state is AES-GCM encrypted under a key derived from the blind-index key *and the number
  itself*, so neither a database nor a blind-index key alone opens it. Only the hour after which the row
  may be deleted is in clear (the exact idle deadline is inside the encrypted state).
* ``twilio_webhooks``: one row per webhook effect (MessageSid, CallSid + step, RecordingSid), found by a
  keyed HMAC of that id, so a replayed webhook has one effect and gets the same reply. The reply is
  encrypted under a key derived from the signed request itself (which holds the sender's number).

Downgrade drops both tables: conversations in progress are lost, filed reports are not.

Revision ID: 0011
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_sessions",
        sa.Column("phone_index", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_index", name=op.f("pk_sms_sessions")),
    )
    op.create_index(op.f("ix_sms_sessions_delete_after"), "sms_sessions", ["delete_after"], unique=False)
    op.create_table(
        "twilio_webhooks",
        sa.Column("sid_index", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reply", sa.LargeBinary(), nullable=True),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sid_index", name=op.f("pk_twilio_webhooks")),
    )
    op.create_index(op.f("ix_twilio_webhooks_delete_after"), "twilio_webhooks", ["delete_after"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_twilio_webhooks_delete_after"), table_name="twilio_webhooks")
    op.drop_table("twilio_webhooks")
    op.drop_index(op.f("ix_sms_sessions_delete_after"), table_name="sms_sessions")
    op.drop_table("sms_sessions")
