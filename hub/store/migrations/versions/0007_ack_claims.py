"""ack_claims: every distinct acknowledgement a member sent for an instruction, so that the
first one stays final, an identical one is recognised as a replay, and one that says something
else is refused and still kept as what was claimed.

Instructions acknowledged before this revision have no claim row: their acknowledgement stays
in `instructions` and is final all the same; a later ack for one of them is refused as
ACK_ALREADY_FINAL even when it repeats the first (no digest of the first was kept).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ack_claims',
        sa.Column('instruction_id', sa.String(length=64), nullable=False),
        sa.Column('claim_digest', sa.String(length=64), nullable=False),
        sa.Column('member_id', sa.String(length=63), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('acked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.Column('ledger_seq', sa.BigInteger(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['instruction_id'],
            ['instructions.instruction_id'],
            name=op.f('fk_ack_claims_instruction_id_instructions'),
        ),
        sa.PrimaryKeyConstraint('instruction_id', 'claim_digest', name=op.f('pk_ack_claims')),
    )


def downgrade() -> None:
    op.drop_table('ack_claims')
