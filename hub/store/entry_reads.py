"""Reading list entries for the API: a filtered page of entries in entry-id order, and one
entry with its status history and operator tasks, all as stored (plain strings; personal
identifiers are the tokens the store holds, never clear values).

Pages are keyset pages: ordered by entry_id and continued after the last id of the previous
page, so a page stays stable while imports add or change entries elsewhere in the order.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import list_entries, list_entry_identifiers, list_transitions
from hub.store.task_reads import TaskRecord, tasks_of_entry
from hub.store.timestamps import as_utc

__all__ = [
    "EntryFilter",
    "EntryHistory",
    "EntryPage",
    "EntryRecord",
    "IdentifierRecord",
    "TransitionRecord",
    "entry_history",
    "find_entries",
    "find_entry",
]


@dataclass(frozen=True)
class IdentifierRecord:
    scheme: str
    value: str  # a keyed token for personal schemes


@dataclass(frozen=True)
class EntryRecord:
    """A list entry as stored, with its identifiers."""

    entry_id: str
    list_type: str
    category: str
    status: str
    subject_name: str
    province: str
    city: str
    authority: str
    document_no: str
    listed_at: datetime
    rectification_deadline: datetime | None
    updated_at: datetime | None
    identifiers: tuple[IdentifierRecord, ...]


@dataclass(frozen=True)
class TransitionRecord:
    """One status change; from_status is None where the entry was created."""

    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True)
class EntryHistory:
    """One entry, how its status moved (oldest first), and its operator tasks."""

    entry: EntryRecord
    history: tuple[TransitionRecord, ...]
    tasks: tuple[TaskRecord, ...]


@dataclass(frozen=True)
class EntryFilter:
    """Which entries a page holds; None (or "") leaves a field unfiltered. `q` matches a
    substring of the subject name (ignoring ASCII case) or a prefix of an identifier value
    (exactly as stored: identifiers are canonical)."""

    list_type: str | None = None
    status: str | None = None
    category: str | None = None
    province: str | None = None
    authority: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class EntryPage:
    entries: tuple[EntryRecord, ...]
    last_id: str | None  # the id to continue after; None on the last page
    total: int  # every entry the filter admits, over all pages


def _conditions(wanted: EntryFilter) -> list[sa.ColumnElement[bool]]:
    c = list_entries.c
    found: list[sa.ColumnElement[bool]] = []
    for column, value in (
        (c.list_type, wanted.list_type),
        (c.status, wanted.status),
        (c.category, wanted.category),
        (c.province, wanted.province),
        (c.authority, wanted.authority),
    ):
        if value:
            found.append(column == value)
    if wanted.q:
        ids = list_entry_identifiers.c
        # substr rather than LIKE for the prefix: LIKE ignores case on SQLite and not on
        # PostgreSQL, and an identifier is compared as stored on both.
        by_identifier = sa.select(ids.entry_id).where(
            sa.func.substr(ids.value, 1, len(wanted.q)) == wanted.q
        )
        by_name = sa.func.lower(c.subject_name).contains(wanted.q.lower(), autoescape=True)
        found.append(sa.or_(by_name, c.entry_id.in_(by_identifier)))
    return found


def _identifiers(
    connection: sa.Connection, entry_ids: Collection[str]
) -> dict[str, list[IdentifierRecord]]:
    by_entry: dict[str, list[IdentifierRecord]] = {e: [] for e in entry_ids}
    if not entry_ids:
        return by_entry
    ids = list_entry_identifiers.c
    rows = connection.execute(
        sa.select(ids.entry_id, ids.scheme, ids.value)
        .where(ids.entry_id.in_(sorted(entry_ids)))
        .order_by(ids.entry_id, ids.scheme, ids.value)
    )
    for row in rows:
        by_entry[row.entry_id].append(IdentifierRecord(row.scheme, row.value))
    return by_entry


def _entry(row: sa.Row[tuple[object, ...]], ids: list[IdentifierRecord]) -> EntryRecord:
    m = row._mapping
    deadline, updated = m["rectification_deadline"], m["updated_at"]
    return EntryRecord(
        entry_id=m["entry_id"],
        list_type=m["list_type"],
        category=m["category"],
        status=m["status"],
        subject_name=m["subject_name"],
        province=m["province"],
        city=m["city"],
        authority=m["authority"],
        document_no=m["document_no"],
        listed_at=as_utc(m["listed_at"]),
        rectification_deadline=as_utc(deadline) if deadline is not None else None,
        updated_at=as_utc(updated) if updated is not None else None,
        identifiers=tuple(ids),
    )


_COLUMNS = [
    list_entries.c[name]
    for name in (
        "entry_id",
        "list_type",
        "category",
        "status",
        "subject_name",
        "province",
        "city",
        "authority",
        "document_no",
        "listed_at",
        "rectification_deadline",
        "updated_at",
    )
]


def find_entries(
    connection: sa.Connection, wanted: EntryFilter, after: str | None, limit: int
) -> EntryPage:
    """At most `limit` entries the filter admits, in entry-id order, after `after`."""
    conditions = _conditions(wanted)
    total = connection.execute(
        sa.select(sa.func.count()).select_from(list_entries).where(*conditions)
    ).scalar_one()
    query = sa.select(*_COLUMNS).where(*conditions)
    if after is not None:
        query = query.where(list_entries.c.entry_id > after)
    # One row past the page says whether another page follows.
    rows = connection.execute(query.order_by(list_entries.c.entry_id).limit(limit + 1)).all()
    more, rows = len(rows) > limit, rows[:limit]
    ids = _identifiers(connection, [r.entry_id for r in rows])
    entries = tuple(_entry(r, ids[r.entry_id]) for r in rows)
    return EntryPage(entries, entries[-1].entry_id if more else None, int(total))


def find_entry(connection: sa.Connection, entry_id: str) -> EntryRecord | None:
    """The entry with this id, or None."""
    row = connection.execute(
        sa.select(*_COLUMNS).where(list_entries.c.entry_id == entry_id)
    ).one_or_none()
    if row is None:
        return None
    return _entry(row, _identifiers(connection, [entry_id])[entry_id])


def entry_history(connection: sa.Connection, entry_id: str) -> EntryHistory | None:
    """The entry with its status history, oldest first, and its tasks; None if absent."""
    entry = find_entry(connection, entry_id)
    if entry is None:
        return None
    t = list_transitions.c
    rows = connection.execute(
        sa.select(t.from_status, t.to_status, t.at, t.actor, t.reason)
        .where(t.entry_id == entry_id)
        .order_by(t.at, t.transition_id)
    )
    history = tuple(
        TransitionRecord(r.from_status, r.to_status, as_utc(r.at), r.actor, r.reason) for r in rows
    )
    return EntryHistory(entry, history, tuple(tasks_of_entry(connection, entry_id)))
