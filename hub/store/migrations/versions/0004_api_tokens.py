"""API tokens for the operator API (hashed), with their role and, for members, scope.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('token_id', sa.String(length=32), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.String(length=63), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('operator', 'auditor', 'member')", name=op.f('ck_api_tokens_role')),
    sa.CheckConstraint("(role = 'member') = (member_id IS NOT NULL)", name=op.f('ck_api_tokens_member_scope')),
    sa.ForeignKeyConstraint(['member_id'], ['members.member_id'], name=op.f('fk_api_tokens_member_id_members')),
    sa.PrimaryKeyConstraint('token_id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('digest', name=op.f('uq_api_tokens_digest'))
    )


def downgrade() -> None:
    op.drop_table('api_tokens')
