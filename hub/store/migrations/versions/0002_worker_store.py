"""The worker's store: ledger (hash chain), replay table, identity clusters, presences,
minimal list entries, instructions and rejects (both also outboxes).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accepted_signals',
    sa.Column('reporter', sa.String(length=63), nullable=False),
    sa.Column('signal_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('cluster_id', sa.String(length=36), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('reporter', 'signal_id', name=op.f('pk_accepted_signals'))
    )
    op.create_table('ledger',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=63), nullable=False),
    sa.Column('ref', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('source_topic', sa.String(length=249), nullable=True),
    sa.Column('source_partition', sa.Integer(), nullable=True),
    sa.Column('source_offset', sa.BigInteger(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger')),
    sa.UniqueConstraint('source_topic', 'source_partition', 'source_offset', name=op.f('uq_ledger_source_topic_source_partition_source_offset'))
    )
    op.create_table('ledger_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_head'))
    )
    op.create_table('list_entries',
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('list_type', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_list_entries'))
    )
    op.create_table('rejects',
    sa.Column('reject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('topic', sa.String(length=249), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('member_id', sa.String(length=63), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('original', sa.LargeBinary(), nullable=False),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('reject_id', name=op.f('pk_rejects'))
    )
    with op.batch_alter_table('rejects', schema=None) as batch_op:
        batch_op.create_index('ix_rejects_unsent', ['sent_at'], unique=False)

    op.create_table('subject_identifiers',
    sa.Column('scheme', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.Column('cluster_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('scheme', 'value', name=op.f('pk_subject_identifiers'))
    )
    with op.batch_alter_table('subject_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_identifiers_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('instructions',
    sa.Column('instruction_id', sa.String(length=64), nullable=False),
    sa.Column('target_member', sa.String(length=63), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('list_type', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('supersedes', sa.String(length=64), nullable=True),
    sa.Column('trigger_ref', sa.String(length=128), nullable=True),
    sa.Column('trigger_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ack_status', sa.String(length=16), nullable=True),
    sa.Column('acked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ack_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['target_member'], ['members.member_id'], name=op.f('fk_instructions_target_member_members')),
    sa.PrimaryKeyConstraint('instruction_id', name=op.f('pk_instructions'))
    )
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.create_index('ix_instructions_target_member', ['target_member'], unique=False)
        batch_op.create_index('ix_instructions_unsent', ['sent_at'], unique=False)

    op.create_table('list_entry_identifiers',
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('scheme', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['list_entries.entry_id'], name=op.f('fk_list_entry_identifiers_entry_id_list_entries')),
    sa.PrimaryKeyConstraint('entry_id', 'scheme', 'value', name=op.f('pk_list_entry_identifiers'))
    )
    with op.batch_alter_table('list_entry_identifiers', schema=None) as batch_op:
        batch_op.create_index('ix_list_entry_identifiers_scheme_value', ['scheme', 'value'], unique=False)

    op.create_table('member_categories',
    sa.Column('member_id', sa.String(length=63), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.member_id'], name=op.f('fk_member_categories_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', 'category', name=op.f('pk_member_categories'))
    )
    op.create_table('presences',
    sa.Column('member_id', sa.String(length=63), nullable=False),
    sa.Column('scheme', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.member_id'], name=op.f('fk_presences_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', 'scheme', 'value', name=op.f('pk_presences'))
    )

    # The chain's genesis: seq 0 with an all-zero hash; the first row links to it.
    op.bulk_insert(
        sa.table("ledger_head", sa.column("id"), sa.column("seq"), sa.column("row_hash")),
        [{"id": 1, "seq": 0, "row_hash": "0" * 64}],
    )


def downgrade() -> None:
    op.drop_table('presences')
    op.drop_table('member_categories')
    with op.batch_alter_table('list_entry_identifiers', schema=None) as batch_op:
        batch_op.drop_index('ix_list_entry_identifiers_scheme_value')

    op.drop_table('list_entry_identifiers')
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.drop_index('ix_instructions_unsent')
        batch_op.drop_index('ix_instructions_target_member')

    op.drop_table('instructions')
    with op.batch_alter_table('subject_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_identifiers_cluster_id'))

    op.drop_table('subject_identifiers')
    with op.batch_alter_table('rejects', schema=None) as batch_op:
        batch_op.drop_index('ix_rejects_unsent')

    op.drop_table('rejects')
    op.drop_table('list_entries')
    op.drop_table('ledger_head')
    op.drop_table('ledger')
    op.drop_table('accepted_signals')
