"""The ledger's Merkle tree and signed heads as tables: cached subtree hashes, the ledger's
row hashes in seq order for extending the tree, and the heads the hub signed.

The rules (what a leaf is, how nodes combine, what is signed) stay in `hub.ledger.merkle` and
`hub.ledger.tree_heads`; this module stores and reads hex strings and plain tuples.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.errors import StoreError
from hub.store.ledger import StoredLedgerRow, read_head
from hub.store.schema import ledger, ledger_tree_nodes, tree_heads
from hub.store.timestamps import as_utc
from hub.store.upsert import insert_ignore

__all__ = [
    "StoredHead",
    "StoredSubtrees",
    "committed_size",
    "find_head",
    "head_rows",
    "insert_head",
    "latest_head_row",
    "ledger_row",
    "row_hashes_after",
    "tree_leaf_count",
    "write_nodes",
]


@dataclass(frozen=True)
class StoredHead:
    tree_size: int
    root_hash: str  # hex
    signed_at: datetime
    key_id: str
    signature: str  # base64


class StoredSubtrees:
    """`hub.ledger.merkle.Subtrees` over `ledger_tree_nodes`, one query per node not read yet.
    A node that is not stored is a StoreError: the caller extends the tree first."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self._read: dict[tuple[int, int], bytes] = {}

    def complete(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._read:
            found = self.connection.scalar(
                sa.select(ledger_tree_nodes.c.hash).where(
                    ledger_tree_nodes.c.level == level, ledger_tree_nodes.c.idx == index
                )
            )
            if found is None:  # the cache was cut: signing a head rebuilds what is missing
                raise StoreError(
                    f"the ledger's tree lacks node ({level}, {index}): run alliance-hub ledger head"
                )
            self._read[key] = bytes.fromhex(str(found))
        return self._read[key]


def tree_leaf_count(connection: sa.Connection) -> int:
    """How many leaves the stored tree has (leaves are written in order, without gaps)."""
    top = connection.scalar(
        sa.select(sa.func.max(ledger_tree_nodes.c.idx)).where(ledger_tree_nodes.c.level == 0)
    )
    return 0 if top is None else int(top) + 1


def committed_size(connection: sa.Connection) -> int:
    """The head's seq: every row up to it is committed and visible (rows and the head move in
    one transaction), so a tree of this size never includes a row that may still roll back."""
    head = read_head(connection)
    return 0 if head is None else int(head[0])


def row_hashes_after(
    connection: sa.Connection, after_seq: int, upto_seq: int, limit: int
) -> list[tuple[int, str]]:
    """(seq, row_hash) of rows after `after_seq` up to `upto_seq`, at most `limit`, in order."""
    rows = connection.execute(
        sa.select(ledger.c.seq, ledger.c.row_hash)
        .where(ledger.c.seq > after_seq, ledger.c.seq <= upto_seq)
        .order_by(ledger.c.seq)
        .limit(limit)
    )
    return [(int(seq), str(digest)) for seq, digest in rows]


def ledger_row(connection: sa.Connection, seq: int) -> StoredLedgerRow | None:
    """One ledger row as stored, for an inclusion proof."""
    row = connection.execute(sa.select(ledger).where(ledger.c.seq == seq)).one_or_none()
    return None if row is None else StoredLedgerRow(**row._mapping)


def write_nodes(connection: sa.Connection, nodes: Iterable[tuple[int, int, bytes]]) -> None:
    """Store (level, index, hash) nodes; one stored already is left alone (two signers that
    extend at once compute the same hashes)."""
    rows = [{"level": lv, "idx": ix, "hash": h.hex()} for lv, ix, h in nodes]
    insert_ignore(connection, ledger_tree_nodes, rows)


def insert_head(connection: sa.Connection, head: StoredHead) -> StoredHead:
    """Store a signed head and return the one stored for its size: the first signer's, when
    two sign the same size at once."""
    row = {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "signed_at": head.signed_at,
        "key_id": head.key_id,
        "signature": head.signature,
    }
    insert_ignore(connection, tree_heads, [row])
    stored = find_head(connection, head.tree_size)
    if stored is None:  # cannot happen inside one transaction; says so if it does
        raise StoreError("the signed head was not stored")
    return stored


def _head(row: Sequence[Any]) -> StoredHead:
    return StoredHead(int(row[0]), str(row[1]), as_utc(row[2]), str(row[3]), str(row[4]))


_COLUMNS = (
    tree_heads.c.tree_size,
    tree_heads.c.root_hash,
    tree_heads.c.signed_at,
    tree_heads.c.key_id,
    tree_heads.c.signature,
)


def find_head(connection: sa.Connection, tree_size: int) -> StoredHead | None:
    """The head signed for `tree_size`, if any."""
    row = connection.execute(
        sa.select(*_COLUMNS).where(tree_heads.c.tree_size == tree_size)
    ).one_or_none()
    return None if row is None else _head(row)


def latest_head_row(connection: sa.Connection, at_or_before: datetime | None) -> StoredHead | None:
    """The largest head, or the largest signed at or before `at_or_before`."""
    query = sa.select(*_COLUMNS).order_by(tree_heads.c.tree_size.desc()).limit(1)
    if at_or_before is not None:
        query = query.where(tree_heads.c.signed_at <= as_utc(at_or_before))
    row = connection.execute(query).one_or_none()
    return None if row is None else _head(row)


def head_rows(
    connection: sa.Connection, limit: int, below_size: int | None = None
) -> Sequence[StoredHead]:
    """Heads largest first, `limit` of them, those smaller than `below_size` when given
    (keyset paging: the next page starts below the last size seen)."""
    query = sa.select(*_COLUMNS).order_by(tree_heads.c.tree_size.desc()).limit(limit)
    if below_size is not None:
        query = query.where(tree_heads.c.tree_size < below_size)
    return [_head(row) for row in connection.execute(query)]
