"""Member registry: members and their signing keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("member_id", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('platform', 'logistics', 'other')", name=op.f("ck_members_kind")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_members")),
    )
    op.create_table(
        "member_keys",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("member_id", sa.String(63), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.member_id"],
            name=op.f("fk_member_keys_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_member_keys")),
    )
    op.create_index(op.f("ix_member_keys_member_id"), "member_keys", ["member_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_member_keys_member_id"), table_name="member_keys")
    op.drop_table("member_keys")
    op.drop_table("members")
