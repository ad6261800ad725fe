"""INSERT ... ON CONFLICT DO NOTHING for both backends, for idempotent writes."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from hub.store.bulk import bulk_insert

__all__ = ["insert_ignore"]


def insert_ignore(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert the rows that do not collide with an existing key. Every row names the same
    columns; those it leaves out get their server defaults."""
    if not rows:
        return
    names = rows[0].keys()
    if any(row.keys() != names for row in rows):
        raise ValueError(f"rows for {table.name} name different columns")
    columns = list(names)
    values = ([row[c] for c in columns] for row in rows)
    bulk_insert(connection, table, columns, values, skip_conflicts=True)
