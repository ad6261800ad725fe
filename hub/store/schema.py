"""Table definitions, the current shape of the store.

Migrations under `migrations/versions/` build this shape step by step; a test checks that
migrating an empty database yields exactly these tables, so the two never drift apart.
"""

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    }
)

MEMBER_KINDS = ("platform", "logistics", "other")

members = sa.Table(
    "members",
    metadata,
    sa.Column("member_id", sa.String(63), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"kind IN {MEMBER_KINDS!r}", name="kind"),
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
