"""cases.rules_fingerprint: which rule files made the automatic triage decision

Overrides keep the automatic urgency and categories (``auto_urgency``, ``auto_categories``); with the
fingerprint of the rules that produced them, an analyst can replay a case against exactly those rules
when measuring the engine. Null for cases filed before this revision.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("rules_fingerprint", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "rules_fingerprint")
