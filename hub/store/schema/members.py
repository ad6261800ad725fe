"""The alliance's members, their keys, categories and standing, the registry version the
worker watches, and the API tokens."""

import sqlalchemy as sa

from hub.domain.members import MEMBER_KINDS
from hub.domain.roles import API_ROLES
from hub.store.schema.base import metadata

__all__ = [
    "api_tokens",
    "member_categories",
    "member_keys",
    "member_suspensions",
    "members",
    "registry_version",
]

members = sa.Table(
    "members",
    metadata,
    sa.Column("member_id", sa.String(63), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Set when the member left the alliance; the row stays, so its ledger and history do.
    sa.Column("removed_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint(f"kind IN {MEMBER_KINDS!r}", name="kind"),
)

# Periods in which a member was not in good standing (migration 0008): what its topics received
# then is refused as MEMBER_SUSPENDED, whenever the worker reads it. A removal leaves one open.
member_suspensions = sa.Table(
    "member_suspensions",
    metadata,
    sa.Column("member_id", sa.String(63), sa.ForeignKey("members.member_id"), primary_key=True),
    sa.Column("suspended_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("resumed_at", sa.DateTime(timezone=True)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
)

# One row, its version bumped by a trigger in the same transaction as any change to members,
# their categories or keys (migration 0006), however it is made: the worker re-reads the
# registry only when this number moved, and so still sees a revocation on its next batch.
registry_version = sa.Table(
    "registry_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# Public keys members sign with. A key id selects a key but decides nothing: validity is the
# window [valid_from, valid_until) and the absence of revoked_at.
member_keys = sa.Table(
    "member_keys",
    metadata,
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column(
        "member_id",
        sa.String(63),
        sa.ForeignKey("members.member_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("public_key", sa.LargeBinary(32), nullable=False),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

# Signal categories a member may report (notice §3 categories and PRESENCE).
member_categories = sa.Table(
    "member_categories",
    metadata,
    sa.Column("member_id", sa.String(63), sa.ForeignKey("members.member_id"), primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_id", sa.String(32), primary_key=True),  # shown in logs, not secret
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("member_id", sa.String(63), sa.ForeignKey("members.member_id"), nullable=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(f"role IN {API_ROLES!r}", name="role"),
    sa.CheckConstraint("(role = 'member') = (member_id IS NOT NULL)", name="member_scope"),
)
