"""cases: cases, sealed fields, messages, notes, evidence, referrals and queue indexes

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_code', sa.String(length=16), nullable=False),
    sa.Column('submission_key', sa.String(length=96), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=True),
    sa.Column('region', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('urgency_rank', sa.Integer(), nullable=False),
    sa.Column('categories', sa.BigInteger(), nullable=False),
    sa.Column('danger_now', sa.Boolean(), nullable=False),
    sa.Column('police_flag', sa.Boolean(), nullable=False),
    sa.Column('auto_urgency', sa.String(length=16), nullable=False),
    sa.Column('auto_categories', sa.BigInteger(), nullable=False),
    sa.Column('triage_reasons', sa.JSON(), nullable=False),
    sa.Column('referral_suggestions', sa.JSON(), nullable=False),
    sa.Column('employer_index', sa.String(length=80), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('legal_hold', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('purge_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contact_pref', sa.String(length=8), nullable=False),
    sa.Column('receipt_kdf', sa.JSON(), nullable=False),
    sa.Column('receipt_verifier', sa.LargeBinary(), nullable=False),
    sa.Column('followup_public_key', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['officers.id'], name=op.f('fk_cases_assignee_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_code', name=op.f('uq_cases_case_code')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_cases_submission_key'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_assignee_queue', ['assignee_id', 'is_open', 'urgency_rank', 'sla_due_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_channel_queue', ['is_open', 'channel', 'urgency_rank', 'sla_due_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_employer_queue', ['employer_index', 'urgency_rank', 'sla_due_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_language_queue', ['is_open', 'language', 'urgency_rank', 'sla_due_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_province_queue', ['is_open', 'province', 'urgency_rank', 'sla_due_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_purge', ['purge_after'], unique=False)
        batch_op.create_index('ix_cases_queue', ['is_open', 'urgency_rank', 'sla_due_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_region_queue', ['is_open', 'region', 'urgency_rank', 'sla_due_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_status_queue', ['status', 'urgency_rank', 'sla_due_at', 'id'], unique=False)

    op.create_table('case_fields',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_fields_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'name', name=op.f('pk_case_fields'))
    )
    with op.batch_alter_table('case_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_fields_key_id'), ['key_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('author', sa.String(length=8), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submission_key', sa.String(length=96), nullable=True),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.Column('reporter_envelope', sa.LargeBinary(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_messages_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_messages_officer_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_messages_submission_key'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_key_id'), ['key_id'], unique=False)

    op.create_table('notes',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_notes_officer_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_key_id'), ['key_id'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=True),
    sa.Column('draft_case_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('staged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('key_envelope', sa.LargeBinary(), nullable=False),
    sa.Column('stream_header', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_evidence_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_draft_case_id'), ['draft_case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_key_id'), ['key_id'], unique=False)

    op.create_table('evidence_chunks',
    sa.Column('evidence_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_chunks_evidence_id_evidence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evidence_id', 'seq', name=op.f('pk_evidence_chunks'))
    )

    op.create_table('referrals',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('partner', sa.String(length=32), nullable=False),
    sa.Column('referred_on', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_referrals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_referrals_officer_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_referrals_case_id', table_name='referrals')
    op.drop_table('referrals')
    op.drop_table('evidence_chunks')
    op.drop_index('ix_evidence_case_id', table_name='evidence')
    op.drop_index('ix_evidence_draft_case_id', table_name='evidence')
    op.drop_index('ix_evidence_key_id', table_name='evidence')
    op.drop_table('evidence')
    op.drop_index('ix_notes_case_id', table_name='notes')
    op.drop_index('ix_notes_key_id', table_name='notes')
    op.drop_table('notes')
    op.drop_index('ix_messages_case_id', table_name='messages')
    op.drop_index('ix_messages_key_id', table_name='messages')
    op.drop_table('messages')
    op.drop_index('ix_case_fields_key_id', table_name='case_fields')
    op.drop_table('case_fields')
    op.drop_index('ix_cases_assignee_queue', table_name='cases')
    op.drop_index('ix_cases_channel_queue', table_name='cases')
    op.drop_index('ix_cases_employer_queue', table_name='cases')
    op.drop_index('ix_cases_language_queue', table_name='cases')
    op.drop_index('ix_cases_province_queue', table_name='cases')
    op.drop_index('ix_cases_purge', table_name='cases')
    op.drop_index('ix_cases_queue', table_name='cases')
    op.drop_index('ix_cases_region_queue', table_name='cases')
    op.drop_index('ix_cases_status_queue', table_name='cases')
    op.drop_table('cases')
