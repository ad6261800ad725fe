"""What the lists CLI reads: open operator tasks and one list entry with its identifiers."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.domain.lists import ListEntry
from hub.store.schema import list_entries, list_entry_identifiers, operator_tasks
from hub.store.timestamps import as_utc

__all__ = ["OpenTask", "list_entry", "open_tasks"]


@dataclass(frozen=True)
class OpenTask:
    """An operator task not yet done."""

    task_id: str
    kind: str
    entry_id: str
    detail: str
    due_at: datetime


def open_tasks(connection: sa.Connection) -> list[OpenTask]:
    """Open operator tasks, earliest due first (then by entry and kind, for a stable order)."""
    rows = connection.execute(
        sa.select(operator_tasks)
        .where(operator_tasks.c.done_at.is_(None))
        .order_by(operator_tasks.c.due_at, operator_tasks.c.entry_id, operator_tasks.c.kind)
    ).all()
    return [OpenTask(r.task_id, r.kind, r.entry_id, r.detail, as_utc(r.due_at)) for r in rows]


def list_entry(
    connection: sa.Connection, entry_id: str
) -> tuple[ListEntry, datetime | None] | None:
    """The entry with this id, with its identifiers, and its stored rectification deadline
    (None only for rows not written by an import: imports always resolve it); None if there
    is no such entry."""
    row = connection.execute(
        sa.select(list_entries).where(list_entries.c.entry_id == entry_id)
    ).one_or_none()
    if row is None:
        return None
    ids = connection.execute(
        sa.select(list_entry_identifiers).where(list_entry_identifiers.c.entry_id == entry_id)
    ).all()
    m = row._mapping
    stored = m["rectification_deadline"]
    deadline = as_utc(stored) if stored is not None else None
    entry = ListEntry(
        entry_id=m["entry_id"],
        list_type=ListType(m["list_type"]),
        category=SignalCategory(m["category"]),
        subject_name=m["subject_name"],
        identifiers=tuple(
            Identifier(IdentifierScheme(i._mapping["scheme"]), i._mapping["value"]) for i in ids
        ),
        authority=m["authority"],
        document_no=m["document_no"],
        province=m["province"],
        city=m["city"],
        listed_at=as_utc(m["listed_at"]),
        rectification_deadline=deadline,
    )
    return entry, deadline
