"""Links as assertions with provenance, the evidence each accepted signal carried, waybill
citations and empty-parcel correlations, and the review queue (issue 15).

Clusters made before this revision keep their members; their links had no provenance and so
have no rows in identity_links (a withdrawal cannot split them; docs/linking.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_links",
        sa.Column("a_scheme", sa.String(length=16), nullable=False),
        sa.Column("a_value", sa.String(length=128), nullable=False),
        sa.Column("b_scheme", sa.String(length=16), nullable=False),
        sa.Column("b_value", sa.String(length=128), nullable=False),
        sa.Column("asserted_by", sa.String(length=63), nullable=False),
        sa.Column("signal_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("held", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("asserted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint(
            "a_scheme",
            "a_value",
            "b_scheme",
            "b_value",
            "asserted_by",
            "signal_id",
            name=op.f("pk_identity_links"),
        ),
    )
    with op.batch_alter_table("identity_links", schema=None) as batch_op:
        batch_op.create_index("ix_identity_links_b", ["b_scheme", "b_value"], unique=False)
        batch_op.create_index(
            "ix_identity_links_signal", ["asserted_by", "signal_id"], unique=False
        )

    op.create_table(
        "parcel_correlations",
        sa.Column("platform_reporter", sa.String(length=63), nullable=False),
        sa.Column("platform_signal", sa.String(length=36), nullable=False),
        sa.Column("logistics_reporter", sa.String(length=63), nullable=False),
        sa.Column("logistics_signal", sa.String(length=36), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("waybills", sa.Integer(), nullable=False),
        sa.Column("correlated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform_reporter",
            "platform_signal",
            "logistics_reporter",
            "logistics_signal",
            name=op.f("pk_parcel_correlations"),
        ),
    )
    with op.batch_alter_table("parcel_correlations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_parcel_correlations_cluster_id"), ["cluster_id"], unique=False
        )

    op.create_table(
        "reviews",
        sa.Column("review_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=True),
        sa.Column("entry_id", sa.String(length=64), nullable=True),
        sa.Column("member_id", sa.String(length=63), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=63), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_reviews")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index("ix_reviews_state_due", ["state", "due_at"], unique=False)

    op.create_table(
        "signal_evidence",
        sa.Column("reporter", sa.String(length=63), nullable=False),
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_count", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("order_refs", sa.Text(), nullable=False),
        sa.Column("waybill_refs", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("record_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reporter", "signal_id", name=op.f("pk_signal_evidence")),
    )
    with op.batch_alter_table("signal_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signal_evidence_cluster_id"), ["cluster_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signal_evidence_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "waybill_citations",
        sa.Column("waybill", sa.String(length=128), nullable=False),
        sa.Column("reporter", sa.String(length=63), nullable=False),
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("record_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "waybill", "reporter", "signal_id", name=op.f("pk_waybill_citations")
        ),
    )
    with op.batch_alter_table("accepted_signals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anchor_scheme", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("anchor_value", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accepted_signals", schema=None) as batch_op:
        batch_op.drop_column("anchor_value")
        batch_op.drop_column("anchor_scheme")

    op.drop_table("waybill_citations")
    with op.batch_alter_table("signal_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_evidence_expires_at"))
        batch_op.drop_index(batch_op.f("ix_signal_evidence_cluster_id"))

    op.drop_table("signal_evidence")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_state_due")
        batch_op.drop_index(batch_op.f("ix_reviews_entry_id"))

    op.drop_table("reviews")
    with op.batch_alter_table("parcel_correlations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parcel_correlations_cluster_id"))

    op.drop_table("parcel_correlations")
    with op.batch_alter_table("identity_links", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_links_signal")
        batch_op.drop_index("ix_identity_links_b")

    op.drop_table("identity_links")
