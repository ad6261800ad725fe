"""Many rows at once, through the driver, for the few places that write rows by the hundred
thousand (list imports) or on every batch (the worker's effects).

SQLAlchemy's executemany processes every parameter of every row in Python, which cost a
list import most of its time. Here the statement is compiled once and the rows go to the
driver as tuples. The one conversion SQLAlchemy would have made, SQLite's datetime text, is
made here in its format (after converting to UTC, which is all the hub stores), so rows
written either way read back identically.

On PostgreSQL, psycopg's executemany still sends one INSERT per row, and the server parses
and executes each: a 500-signal batch's ledger and accepted_signals rows took 22 of its 79 ms
there. Plain inserts therefore go as one COPY, and inserts that skip conflicts (which COPY
cannot) as one INSERT of the rows unnested from an array per column.
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
    values = [tuple(row) for row in rows]
    if not values:
        return
    preparer = connection.dialect.identifier_preparer
    # Only the table's own, quoted names go into the text; values travel as parameters.
    target = f"{preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)})"
    conflicts = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    if connection.dialect.name == "sqlite" or connection.dialect.driver != "psycopg":
        marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        markers = ", ".join([marker] * len(columns))
        statement = f"INSERT INTO {target} VALUES ({markers})"  # noqa: S608
        if connection.dialect.name == "sqlite":
            values = _sqlite_values(table, columns, values)
        connection.exec_driver_sql(statement + conflicts, values)
    elif skip_conflicts:
        # One array per column, unnested into rows by the server: one statement, whose text
        # does not grow with the rows.
        types = [table.c[c].type.compile(dialect=connection.dialect) for c in columns]
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        statement = f"INSERT INTO {target} SELECT * FROM unnest({arrays})"  # noqa: S608
        columns_of_values = tuple(list(column) for column in zip(*values, strict=True))
        connection.exec_driver_sql(statement + conflicts, columns_of_values)
    else:
        _copy(connection, f"COPY {target} FROM STDIN", values)


def _sqlite_values(
    table: sa.Table, columns: Sequence[str], values: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The rows with their datetimes as SQLite text, in SQLAlchemy's format."""
    dated = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.DateTime)]
    if not dated:
        return values
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
    return converted


def _copy(connection: sa.Connection, statement: str, values: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY, on the transaction's own connection. The driver's errors are
    wrapped as SQLAlchemy wraps them (a duplicate key is an IntegrityError, a lost server an
    OperationalError), so callers handle them alike whichever way the rows went."""
    dbapi = connection.dialect.loaded_dbapi
    try:
        with connection.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(
            statement, None, exc, dbapi.Error, dialect=connection.dialect
        ) from exc
