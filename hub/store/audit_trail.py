"""Reading the ledger for its export: every row in seq order, streamed rather than loaded."""

from collections.abc import Iterator

import sqlalchemy as sa

from hub.store.schema import ledger

__all__ = ["EXPORT_COLUMNS", "ledger_rows"]

# The ledger's columns as the export shows them, in this order.
EXPORT_COLUMNS = ("seq", "recorded_at", "kind", "actor", "ref", "reason", "body", "row_hash")


def ledger_rows(connection: sa.Connection) -> Iterator[tuple[object, ...]]:
    """Every ledger row's EXPORT_COLUMNS values, in seq order. Fetched 5000 at a time so a
    long ledger never sits in memory whole; the connection must stay open while iterating."""
    result = connection.execution_options(yield_per=5000).execute(
        sa.select(*(ledger.c[c] for c in EXPORT_COLUMNS)).order_by(ledger.c.seq)
    )
    for row in result:
        yield tuple(row)
