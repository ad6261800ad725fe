"""A signal's evidence is kept in its accepted_signals row instead of a table of its own.

Revision 0009 wrote two rows per accepted signal, keyed alike and moved alike by every split;
on SQLite that was six b-tree inserts a signal where two had been, and the worker's batches
grew slower by half. One row per signal carries both now. Evidence already kept is copied
over; accepted_signals gains an index by cluster a merge or a split needed anyway, and which
answers the listing candidates' count on every batch by itself.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (name, type) of each evidence column, in both tables.
EVIDENCE = (
    ("severity", sa.String(length=16)),
    ("window_start", sa.DateTime(timezone=True)),
    ("window_end", sa.DateTime(timezone=True)),
    ("order_count", sa.BigInteger()),
    ("amount_fen", sa.BigInteger()),
    ("order_refs", sa.Text()),
    ("waybill_refs", sa.Text()),
    ("note", sa.Text()),
    ("subject", sa.Text()),
    ("record_at", sa.DateTime(timezone=True)),
    ("expires_at", sa.DateTime(timezone=True)),
)
NAMES = ", ".join(name for name, _ in EVIDENCE)


def upgrade() -> None:
    with op.batch_alter_table("accepted_signals", schema=None) as batch_op:
        for name, kind in EVIDENCE:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.create_index(
            "ix_accepted_signals_cluster",
            ["cluster_id", "record_at", "reporter", "category"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_accepted_signals_expires_at"), ["expires_at"], unique=False
        )
    # A row-value UPDATE both backends understand, matched on the shared key.
    op.execute(
        f"UPDATE accepted_signals SET ({NAMES}) = (SELECT {NAMES} FROM signal_evidence e "  # noqa: S608
        "WHERE e.reporter = accepted_signals.reporter "
        "AND e.signal_id = accepted_signals.signal_id) "
        "WHERE EXISTS (SELECT 1 FROM signal_evidence e "
        "WHERE e.reporter = accepted_signals.reporter "
        "AND e.signal_id = accepted_signals.signal_id)"
    )
    with op.batch_alter_table("signal_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_evidence_expires_at"))
        batch_op.drop_index(batch_op.f("ix_signal_evidence_cluster_id"))
    op.drop_table("signal_evidence")


def downgrade() -> None:
    op.create_table(
        "signal_evidence",
        sa.Column("reporter", sa.String(length=63), nullable=False),
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        *(sa.Column(name, kind, nullable=name == "note") for name, kind in EVIDENCE),
        sa.PrimaryKeyConstraint("reporter", "signal_id", name=op.f("pk_signal_evidence")),
    )
    with op.batch_alter_table("signal_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signal_evidence_cluster_id"), ["cluster_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_signal_evidence_expires_at"), ["expires_at"], unique=False
        )
    op.execute(
        f"INSERT INTO signal_evidence (reporter, signal_id, cluster_id, category, {NAMES}) "  # noqa: S608
        f"SELECT reporter, signal_id, cluster_id, category, {NAMES} FROM accepted_signals "
        "WHERE expires_at IS NOT NULL"
    )
    with op.batch_alter_table("accepted_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accepted_signals_expires_at"))
        batch_op.drop_index("ix_accepted_signals_cluster")
        for name, _ in reversed(EVIDENCE):
            batch_op.drop_column(name)
