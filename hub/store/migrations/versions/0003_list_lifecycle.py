"""Sanction-list lifecycle: entry details and deadlines, status history, operator tasks,
policy versions; instruction indexes for lifting.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('list_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('authority', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('document_no', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('province', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('city', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('rectification_deadline', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('published_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_list_entries_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_entries_rectification_deadline'), ['rectification_deadline'], unique=False)

    _backfill_deadlines()

    op.create_table('list_transitions',
    sa.Column('transition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=63), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['list_entries.entry_id'], name=op.f('fk_list_transitions_entry_id_list_entries')),
    sa.PrimaryKeyConstraint('transition_id', name=op.f('pk_list_transitions'))
    )
    with op.batch_alter_table('list_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_transitions_entry_id'), ['entry_id'], unique=False)

    op.create_table('operator_tasks',
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=63), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['list_entries.entry_id'], name=op.f('fk_operator_tasks_entry_id_list_entries')),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_operator_tasks'))
    )
    with op.batch_alter_table('operator_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_operator_tasks_open', ['done_at', 'due_at'], unique=False)

    op.create_table('policy_versions',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_policy_versions'))
    )

    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=16), server_default='presence', nullable=False))
        batch_op.add_column(sa.Column('policy_version', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_instructions_entry_id', ['entry_id'], unique=False)
        batch_op.create_index('ix_instructions_supersedes', ['supersedes'], unique=False)


def _backfill_deadlines() -> None:
    # Entries from before this revision get the notice's default period (3 months), so the
    # scheduler sees them; content_hash stays empty until the authority's next file.
    from datetime import UTC

    from hub.domain.china_time import add_months

    entries = sa.table(
        'list_entries',
        sa.column('entry_id', sa.String),
        sa.column('listed_at', sa.DateTime(timezone=True)),
        sa.column('rectification_deadline', sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(entries.c.entry_id, entries.c.listed_at).where(
            entries.c.rectification_deadline.is_(None)
        )
    ).all()
    for entry_id, listed_at in rows:
        listed_at = listed_at if listed_at.tzinfo else listed_at.replace(tzinfo=UTC)
        deadline = add_months(listed_at, 3).astimezone(UTC)
        bind.execute(
            entries.update()
            .where(entries.c.entry_id == entry_id)
            .values(rectification_deadline=deadline)
        )


def downgrade() -> None:
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.drop_index('ix_instructions_supersedes')
        batch_op.drop_index('ix_instructions_entry_id')
        batch_op.drop_column('policy_version')
        batch_op.drop_column('scope')
    op.drop_table('policy_versions')
    with op.batch_alter_table('operator_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_operator_tasks_open')
    op.drop_table('operator_tasks')
    with op.batch_alter_table('list_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_transitions_entry_id'))
    op.drop_table('list_transitions')
    with op.batch_alter_table('list_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_entries_rectification_deadline'))
        batch_op.drop_index(batch_op.f('ix_list_entries_status'))
        for column in ('updated_at', 'published_version', 'version', 'content_hash',
                       'rectification_deadline', 'city', 'province', 'document_no',
                       'authority', 'subject_name'):
            batch_op.drop_column(column)
