"""Insider integrity: MACs on credentials and follow-up keys, sealed referral references, no epoch keys in the outbox

* ``officer_credentials.mac`` and ``cases.followup_key_mac``: HMACs under keys held outside the database
  (``SIGNALEMENT_STAFF_KEYS``, ``SIGNALEMENT_FOLLOWUP_MAC_KEYS``). Rows from before this revision have
  none; ``signalement init`` (run after upgrading, with the secrets set) stamps them once and audits it.
* ``referrals.key_id`` and ``referrals.reference_envelope``: the reference is sealed like every case value;
  ``signalement init`` seals the clear references of older rows and empties the clear column.
* Pending ``vault.rewrap`` jobs carried an old epoch's private key sealed to the worker: their payloads are
  erased here (re-wraps now happen with the master key of a signed-in admin or officer, never the outbox).

Downgrade drops the new columns; references sealed since then are lost with them.

Revision ID: 0008
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("officer_credentials", sa.Column("mac", sa.String(80), nullable=True))
    op.add_column("cases", sa.Column("followup_key_mac", sa.String(80), nullable=True))
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("key_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("reference_envelope", sa.LargeBinary(), nullable=True))
        batch.create_index("ix_referrals_key_id", ["key_id"])
    outbox = sa.table("outbox", sa.column("kind", sa.String), sa.column("payload", sa.LargeBinary),
                      sa.column("status", sa.String), sa.column("last_error", sa.String))
    op.execute(
        outbox.update()
        .where(outbox.c.kind == "vault.rewrap", outbox.c.status == "pending")
        .values(payload=b"", status="failed", last_error="Superseded")
    )
    op.execute(outbox.update().where(outbox.c.kind == "vault.rewrap").values(payload=b""))


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.drop_index("ix_referrals_key_id")
        batch.drop_column("reference_envelope")
        batch.drop_column("key_id")
    op.drop_column("cases", "followup_key_mac")
    op.drop_column("officer_credentials", "mac")
