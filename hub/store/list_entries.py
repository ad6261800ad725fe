"""List entries in the store: their rows, identifiers and status history, as the list
package writes and reads them. Statuses cross as their string values; which moves are
allowed is `hub.domain.lists`' business, not the store's."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.store.bulk import bulk_insert
from hub.store.schema import (
    list_entries,
    list_entry_identifiers,
    list_transitions,
    subject_identifiers,
)

__all__ = [
    "ENTRY_COLUMNS",
    "TRANSITION_COLUMNS",
    "StoredEntry",
    "entries_past_deadline",
    "entries_sharing_subject_identifiers",
    "insert_entries",
    "insert_identifiers",
    "insert_transitions",
    "list_type_of",
    "record_transition",
    "replace_identifiers",
    "set_status",
    "status_of",
    "stored_entries",
    "update_entries",
]

# The stated columns of an entry, in the order `insert_entries` and `update_entries` take
# them; `insert_entries` rows add status and version after these.
ENTRY_COLUMNS = (
    "entry_id",
    "list_type",
    "category",
    "listed_at",
    "subject_name",
    "authority",
    "document_no",
    "province",
    "city",
    "rectification_deadline",
    "content_hash",
    "updated_at",
)

# The order of the tuples `insert_transitions` takes.
TRANSITION_COLUMNS = ("entry_id", "from_status", "to_status", "actor", "reason", "at", "ledger_seq")

_IDENTIFIER_COLUMNS = ("entry_id", "scheme", "value")


@dataclass(frozen=True)
class StoredEntry:
    """What an import compares a file's entry against."""

    entry_id: str
    content_hash: str
    status: str
    authority: str
    list_type: str


def stored_entries(connection: sa.Connection) -> dict[str, StoredEntry]:
    """Every stored entry by id."""
    rows = connection.execute(
        sa.select(
            list_entries.c.entry_id,
            list_entries.c.content_hash,
            list_entries.c.status,
            list_entries.c.authority,
            list_entries.c.list_type,
        )
    )
    return {row.entry_id: StoredEntry(*row) for row in rows}


def insert_entries(connection: sa.Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert new entries: ENTRY_COLUMNS, then status and version."""
    bulk_insert(connection, list_entries, (*ENTRY_COLUMNS, "status", "version"), rows)


def update_entries(connection: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Overwrite the stated columns of stored entries (rows in ENTRY_COLUMNS order, keyed by
    the first) and bump each one's version."""
    columns = ENTRY_COLUMNS[1:]
    connection.execute(
        list_entries.update()
        .where(list_entries.c.entry_id == sa.bindparam("key"))
        .values({c: sa.bindparam(c) for c in columns} | {"version": list_entries.c.version + 1}),
        [{"key": row[0]} | dict(zip(columns, row[1:], strict=True)) for row in rows],
    )


def insert_identifiers(connection: sa.Connection, rows: Iterable[tuple[str, str, str]]) -> None:
    """Insert (entry_id, scheme, value) rows."""
    bulk_insert(connection, list_entry_identifiers, _IDENTIFIER_COLUMNS, rows)


def replace_identifiers(
    connection: sa.Connection, entry_ids: Collection[str], rows: Iterable[tuple[str, str, str]]
) -> None:
    """Drop the entries' identifiers and insert `rows` (entry_id, scheme, value) instead."""
    connection.execute(
        list_entry_identifiers.delete().where(list_entry_identifiers.c.entry_id.in_(entry_ids))
    )
    bulk_insert(connection, list_entry_identifiers, _IDENTIFIER_COLUMNS, rows)


def insert_transitions(connection: sa.Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert status-history rows in TRANSITION_COLUMNS order."""
    bulk_insert(connection, list_transitions, TRANSITION_COLUMNS, rows)


def status_of(connection: sa.Connection, entry_id: str) -> str | None:
    """The entry's stored status, or None when there is no such entry."""
    row = connection.execute(
        sa.select(list_entries.c.status).where(list_entries.c.entry_id == entry_id)
    ).one_or_none()
    return None if row is None else str(row.status)


def set_status(
    connection: sa.Connection, entry_id: str, before: str, after: str, now: datetime
) -> bool:
    """Move the entry from `before` to `after`, bumping its version; False if it was not in
    `before` (nothing changed)."""
    changed = connection.execute(
        list_entries.update()
        .where(list_entries.c.entry_id == entry_id, list_entries.c.status == before)
        .values(status=after, version=list_entries.c.version + 1, updated_at=now)
    )
    return changed.rowcount == 1


def record_transition(
    connection: sa.Connection,
    entry_id: str,
    before: str,
    after: str,
    actor: str,
    reason: str,
    at: datetime,
    ledger_seq: int,
) -> None:
    """Add one row to the entry's status history."""
    connection.execute(
        list_transitions.insert().values(
            entry_id=entry_id,
            from_status=before,
            to_status=after,
            actor=actor,
            reason=reason,
            at=at,
            ledger_seq=ledger_seq,
        )
    )


def list_type_of(connection: sa.Connection, entry_id: str) -> str:
    """The entry's list type (NoResultFound if there is no such entry)."""
    return str(
        connection.execute(
            sa.select(list_entries.c.list_type).where(list_entries.c.entry_id == entry_id)
        ).scalar_one()
    )


def entries_past_deadline(
    connection: sa.Connection, statuses: Collection[str], now: datetime, limit: int
) -> list[str]:
    """Entries in one of `statuses` whose rectification deadline is at or before `now`,
    oldest deadline first, at most `limit`."""
    return list(
        connection.scalars(
            sa.select(list_entries.c.entry_id)
            .where(list_entries.c.status.in_(sorted(statuses)))
            .where(list_entries.c.rectification_deadline <= now)
            .order_by(list_entries.c.rectification_deadline, list_entries.c.entry_id)
            .limit(limit)
        )
    )


def entries_sharing_subject_identifiers(connection: sa.Connection) -> list[str]:
    """Every entry naming an identifier some signal's subject has named, each once."""
    rows = connection.execute(
        sa.select(list_entry_identifiers.c.entry_id)
        .distinct()
        .select_from(subject_identifiers)
        .join(
            list_entry_identifiers,
            sa.and_(
                list_entry_identifiers.c.scheme == subject_identifiers.c.scheme,
                list_entry_identifiers.c.value == subject_identifiers.c.value,
            ),
        )
    )
    return [str(r.entry_id) for r in rows]
