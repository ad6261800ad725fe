"""Plain multi-row INSERTs through the driver, for the few places that write rows by the
hundred thousand (list imports) or on every batch (the worker's effects).

SQLAlchemy's executemany processes every parameter of every row in Python, which cost a
list import most of its time. Here the statement is compiled once and the rows go to the
driver as tuples. The one conversion SQLAlchemy would have made, SQLite's datetime text, is
made here in its format (after converting to UTC, which is all the hub stores), so rows
written either way read back identically.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

__all__ = ["bulk_insert"]


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")  # SQLAlchemy's format, made in C


def bulk_insert(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    skip_conflicts: bool = False,
) -> None:
    """INSERT every row (values in `columns` order) inside the caller's transaction; with
    `skip_conflicts`, rows colliding with an existing key are left out (ON CONFLICT DO
    NOTHING, which both backends understand)."""
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {unknown}")
    names = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    quoted = connection.dialect.identifier_preparer.format_table(table)
    markers = ", ".join([marker] * len(columns))
    # Only the table's own, quoted names go into the text; values travel as parameters.
    statement = f"INSERT INTO {quoted} ({names}) VALUES ({markers})"  # noqa: S608
    if skip_conflicts:
        statement += " ON CONFLICT DO NOTHING"
    values = [tuple(row) for row in rows]
    dated = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.DateTime)]
    if connection.dialect.name == "sqlite" and dated and values:
        # Rows of one call mostly share their datetimes (the import's `now`): format each once.
        texts: dict[datetime, str | None] = {}
        converted = []
        for row in values:
            fields = list(row)
            for i in dated:
                moment = fields[i]
                if moment is not None:
                    text = texts.get(moment)
                    if text is None:
                        text = texts.setdefault(moment, _sqlite_text(moment))
                    fields[i] = text
            converted.append(tuple(fields))
        values = converted
    if values:
        connection.exec_driver_sql(statement, values)
