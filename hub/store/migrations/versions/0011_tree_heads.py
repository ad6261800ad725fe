"""Signed tree heads over the ledger and the Merkle tree's cached subtree hashes (issue 16).

The ledger's rows are unchanged: the tree is built over their existing row_hash values, so a
ledger from before this revision gets a tree the first time a head is signed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_tree_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_tree_nodes")),
    )
    op.create_table(
        "tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_tree_heads")),
    )
    with op.batch_alter_table("tree_heads", schema=None) as batch_op:
        batch_op.create_index("ix_tree_heads_signed_at", ["signed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tree_heads", schema=None) as batch_op:
        batch_op.drop_index("ix_tree_heads_signed_at")
    op.drop_table("tree_heads")
    op.drop_table("ledger_tree_nodes")
