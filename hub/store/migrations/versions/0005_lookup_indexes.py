"""Indexes for lookups the worker makes on every batch, which scanned whole tables: presence
by identifier, and list entries not yet published (a partial index).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

UNPUBLISHED = sa.text('published_version IS NULL OR published_version < version')


def upgrade() -> None:
    op.create_index('ix_presences_scheme_value', 'presences', ['scheme', 'value'], unique=False)
    op.create_index(
        'ix_list_entries_unpublished',
        'list_entries',
        ['entry_id'],
        unique=False,
        sqlite_where=UNPUBLISHED,
        postgresql_where=UNPUBLISHED,
    )


def downgrade() -> None:
    op.drop_index('ix_list_entries_unpublished', table_name='list_entries')
    op.drop_index('ix_presences_scheme_value', table_name='presences')
