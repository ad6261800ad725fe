"""The ledger: the hash chain, its head, and the Merkle tree over it with its signed heads."""

import sqlalchemy as sa

from hub.store.schema.base import metadata

__all__ = ["ledger", "ledger_head", "ledger_tree_nodes", "tree_heads"]

# The tamper-evident record of everything the hub did, hash-chained in seq order. A row that
# came from a Kafka record names it, and the unique source makes reprocessing a no-op: a record
# redelivered after a crash finds its row and is skipped, so effects happen exactly once.
ledger = sa.Table(
    "ledger",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(63), nullable=False),
    sa.Column("ref", sa.String(128), nullable=True),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("source_topic", sa.String(249), nullable=True),
    sa.Column("source_partition", sa.Integer, nullable=True),
    sa.Column("source_offset", sa.BigInteger, nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("source_topic", "source_partition", "source_offset"),
)

# One row: the chain's tip. Appenders lock it, which serialises appends across workers, and
# verification compares it with the last row, which exposes a truncated tail.
ledger_head = sa.Table(
    "ledger_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
)

# The ledger as a Merkle tree (hub.ledger.merkle): every aligned complete subtree's hash, leaves
# at level 0, so a root or a proof reads O(log n) rows instead of the whole ledger. A cache
# that verification never trusts: `ledger verify` recomputes the tree from the rows.
ledger_tree_nodes = sa.Table(
    "ledger_tree_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# Signed tree heads (hub.ledger.tree_heads), one per tree size: what the hub published about
# its ledger. A head is never updated; signing one does not append to the ledger.
tree_heads = sa.Table(
    "tree_heads",
    metadata,
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.String(64), nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),  # standard base64 of 64 bytes
    sa.Index("ix_tree_heads_signed_at", "signed_at"),
)
