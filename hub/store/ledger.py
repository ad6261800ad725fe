"""The ledger's tables as `hub.ledger` needs them: the head row locked and moved, rows written
and read back in seq order, and the scans of the kinds the hub's own keys are announced by.
The chain's rules (what is hashed, what counts as an edit) stay in `hub.ledger`."""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.errors import StoreError
from hub.store.bulk import bulk_insert
from hub.store.schema import ledger, ledger_head

__all__ = [
    "HEAD_ID",
    "LEDGER_COLUMNS",
    "StoredLedgerRow",
    "count_since",
    "kinds_in_order",
    "last_seq",
    "lock_ledger_head",
    "read_head",
    "rows_in_order",
    "write_ledger_rows",
]

HEAD_ID = 1  # ledger_head holds exactly this one row (inserted by migration 0002)

# The order of the tuples `write_ledger_rows` takes.
LEDGER_COLUMNS = (
    "seq",
    "recorded_at",
    "kind",
    "actor",
    "ref",
    "reason",
    "source_topic",
    "source_partition",
    "source_offset",
    "body",
    "prev_hash",
    "row_hash",
)


@dataclass(frozen=True)
class StoredLedgerRow:
    """One ledger row exactly as stored, for a verifier that trusts none of it."""

    seq: int
    recorded_at: datetime
    kind: str
    actor: str
    ref: str | None
    reason: str | None
    source_topic: str | None
    source_partition: int | None
    source_offset: int | None
    body: str
    prev_hash: str
    row_hash: str


def lock_ledger_head(connection: sa.Connection) -> tuple[int, str]:
    """Lock the chain's head row until the caller's transaction ends and return (seq, hash).

    On PostgreSQL the row lock makes a second appender wait here and then read the head the
    first one committed. SQLite has no row locks and pysqlite opens the transaction only at the
    first write, so a no-op write first takes SQLite's one writer lock (waiting up to the busy
    timeout) before the head is read.
    """
    head_row = ledger_head.c.id == HEAD_ID
    if connection.dialect.name == "sqlite":
        connection.execute(ledger_head.update().where(head_row).values(seq=ledger_head.c.seq))
    head = connection.execute(
        sa.select(ledger_head.c.seq, ledger_head.c.row_hash).where(head_row).with_for_update()
    ).one_or_none()
    if head is None:
        raise StoreError("ledger_head has no row: migrate the database (alliance-hub db upgrade)")
    return int(head.seq), str(head.row_hash)


def write_ledger_rows(
    connection: sa.Connection, rows: Iterable[tuple[Any, ...]], seq: int, row_hash: str
) -> None:
    """Insert `rows` (in LEDGER_COLUMNS order) and move the head to (`seq`, `row_hash`)."""
    bulk_insert(connection, ledger, LEDGER_COLUMNS, rows)
    head_row = ledger_head.c.id == HEAD_ID
    connection.execute(ledger_head.update().where(head_row).values(seq=seq, row_hash=row_hash))


def read_head(connection: sa.Connection) -> tuple[int, str] | None:
    """The head's (seq, hash) without locking it, or None when the head row is missing."""
    query = sa.select(ledger_head.c.seq, ledger_head.c.row_hash).where(ledger_head.c.id == HEAD_ID)
    head = connection.execute(query).one_or_none()
    return None if head is None else (head[0], head[1])


def rows_in_order(connection: sa.Connection, batch: int) -> Iterator[StoredLedgerRow]:
    """Every ledger row in seq order, read `batch` rows per query."""
    # Keyset pagination: each query resumes after the last seq seen, so memory stays at one batch
    # and no server-side cursor has to stay open across a long walk.
    after: int | None = None
    while True:
        query = sa.select(ledger).order_by(ledger.c.seq).limit(batch)
        if after is not None:
            query = query.where(ledger.c.seq > after)
        chunk = connection.execute(query).all()
        yield from (StoredLedgerRow(**row._mapping) for row in chunk)
        if len(chunk) < batch:
            return
        after = chunk[-1].seq


def kinds_in_order(connection: sa.Connection, kinds: Collection[str]) -> list[tuple[str, str]]:
    """(kind, body text) of every row of one of `kinds`, in seq order."""
    rows = connection.execute(
        sa.select(ledger.c.kind, ledger.c.body)
        .where(ledger.c.kind.in_(tuple(kinds)))
        .order_by(ledger.c.seq)
    )
    return [(str(kind), str(body)) for kind, body in rows]


def last_seq(connection: sa.Connection) -> int:
    """The highest seq written, 0 for an empty ledger (read from the rows, not the head)."""
    return int(connection.scalar(sa.select(sa.func.coalesce(sa.func.max(ledger.c.seq), 0))) or 0)


def count_since(connection: sa.Connection, after_seq: int, kind: str, ref: str) -> int:
    """How many rows after `after_seq` are of `kind` and name `ref`."""
    count = connection.scalar(
        sa.select(sa.func.count())
        .select_from(ledger)
        .where(ledger.c.seq > after_seq, ledger.c.kind == kind, ledger.c.ref == ref)
    )
    return int(count or 0)
