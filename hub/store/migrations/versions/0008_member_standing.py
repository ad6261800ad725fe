"""member_suspensions and members.removed_at: a member's standing, so that the worker refuses
what a suspended or removed member's topics received while it was not in good standing.

A suspension is a period, not a flag: a record the broker took during one is refused even when
the worker reaches it after the member was resumed. Removal ends the membership for good (an
open suspension that is never closed) and keeps the member's row, ledger and history.
The new table moves `registry_version` like the other registry tables (migration 0006).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BUMP = 'UPDATE registry_version SET version = version + 1 WHERE id = 1'


def upgrade() -> None:
    op.add_column('members', sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'member_suspensions',
        sa.Column('member_id', sa.String(length=63), nullable=False),
        sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('actor', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ['member_id'],
            ['members.member_id'],
            name=op.f('fk_member_suspensions_member_id_members'),
        ),
        sa.PrimaryKeyConstraint('member_id', 'suspended_at', name=op.f('pk_member_suspensions')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE TRIGGER member_suspensions_changed AFTER INSERT OR UPDATE OR DELETE OR '
            'TRUNCATE ON member_suspensions FOR EACH STATEMENT EXECUTE FUNCTION registry_changed()'
        )
        return
    for event in ('INSERT', 'UPDATE', 'DELETE'):
        op.execute(
            f'CREATE TRIGGER member_suspensions_{event.lower()}_changed AFTER {event} '
            f'ON member_suspensions BEGIN {BUMP}; END'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER member_suspensions_changed ON member_suspensions')
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER member_suspensions_{event}_changed')
    op.drop_table('member_suspensions')
    with op.batch_alter_table('members') as batch:
        batch.drop_column('removed_at')
