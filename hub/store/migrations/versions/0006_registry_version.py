"""registry_version: one number that every change to the member registry moves, so the worker
can re-read the registry only when it changed (and still see a revocation on its next batch).

Triggers move it, in the changing transaction, however the change is made: through the hub,
its API, or a statement an operator types.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

REGISTRY_TABLES = ('members', 'member_categories', 'member_keys')
BUMP = 'UPDATE registry_version SET version = version + 1 WHERE id = 1'


def upgrade() -> None:
    op.create_table(
        'registry_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_version')),
    )
    op.execute('INSERT INTO registry_version (id, version) VALUES (1, 0)')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION registry_changed() RETURNS trigger LANGUAGE plpgsql AS '
            f'$$ BEGIN {BUMP}; RETURN NULL; END $$'
        )
        for table in REGISTRY_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION registry_changed()'
            )
        return
    for table in REGISTRY_TABLES:  # SQLite: row triggers only, one per kind of change
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER {table}_{event.lower()}_changed AFTER {event} ON {table} '
                f'BEGIN {BUMP}; END'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in REGISTRY_TABLES:
            op.execute(f'DROP TRIGGER {table}_changed ON {table}')
        op.execute('DROP FUNCTION registry_changed()')
    else:
        for table in REGISTRY_TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER {table}_{event}_changed')
    op.drop_table('registry_version')
