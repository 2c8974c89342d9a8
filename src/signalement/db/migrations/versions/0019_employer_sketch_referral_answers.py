"""cases.employer_sketch: a keyed MinHash of the employer's name, to tell spelling variants from other employers;
notes.referral_id: a partner's answer to a referral is a sealed note that names its referral

Possible duplicates that name employers whose blind indexes differ are compared on this sketch
(``vault.blind.employer_sketch``). Nullable and not indexed: duplicates are found by province and date
(0005), then scored in memory. Cases filed before this revision have none and are scored as before, with
a penalty when their indexes differ. Downgrading drops the column (derived data: nothing is lost but the
ability to tell look-alike names apart).

A partner's answer is free text, so it is sealed: it is a note (kind "answer", rotated and shredded with every
other note) whose ``referral_id`` says which referral it answers. No foreign key: referrals are only ever
deleted with their case, which deletes its notes too. Downgrading drops the column; the answers stay as notes.

Revision ID: 0019
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite drops a column in place): a batch copy of ``cases`` would cascade-delete its
# referrals, notes and messages when the old table is dropped.
def upgrade() -> None:
    op.add_column("cases", sa.Column("employer_sketch", sa.String(length=300), nullable=True))
    op.add_column("notes", sa.Column("referral_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("notes", "referral_id")
    op.drop_column("cases", "employer_sketch")
