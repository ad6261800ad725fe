"""List entries as an outbox: the states not yet confirmed on alliance.lists
(hub.lists.publishing signs and sends them).

An entry whose `version` is ahead of its `published_version` has a change not yet confirmed
on the topic; the partial index on exactly that condition keeps the look cheap.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from hub.store.schema import LIST_ENTRY_UNPUBLISHED, list_entries, list_entry_identifiers

__all__ = ["UnpublishedState", "has_unpublished", "mark_published", "unpublished_states"]


@dataclass(frozen=True)
class UnpublishedState:
    """An entry's current state, as the ListEntryState record carries it."""

    entry_id: str
    version: int
    list_type: str
    category: str
    status: str
    identifiers: list[dict[str, str]]  # {"scheme", "value"}, ordered by scheme then value


def _unpublished(
    connection: sa.Connection, limit: int
) -> sa.CursorResult[tuple[str, int, str, str, str]]:
    return connection.execute(
        sa.select(
            list_entries.c.entry_id,
            list_entries.c.version,
            list_entries.c.list_type,
            list_entries.c.category,
            list_entries.c.status,
        )
        .where(LIST_ENTRY_UNPUBLISHED)  # exactly the partial index's condition
        .order_by(list_entries.c.entry_id)
        .limit(limit)
    )


def has_unpublished(connection: sa.Connection) -> bool:
    """Whether any entry has a change not yet confirmed on the topic."""
    return _unpublished(connection, 1).first() is not None


def unpublished_states(connection: sa.Connection, limit: int) -> list[UnpublishedState]:
    """At most `limit` unpublished entries by id, each with its identifiers."""
    pending = _unpublished(connection, limit).all()
    identifiers: dict[str, list[dict[str, str]]] = defaultdict(list)
    if pending:
        for row in connection.execute(
            sa.select(list_entry_identifiers).where(
                list_entry_identifiers.c.entry_id.in_([p.entry_id for p in pending])
            )
        ):
            identifiers[row.entry_id].append({"scheme": row.scheme, "value": row.value})
    return [
        UnpublishedState(
            p.entry_id,
            p.version,
            p.list_type,
            p.category,
            p.status,
            sorted(identifiers[p.entry_id], key=lambda i: (i["scheme"], i["value"])),
        )
        for p in pending
    ]


def mark_published(connection: sa.Connection, published: Sequence[tuple[str, int]]) -> None:
    """Record each (entry id, version) as confirmed on the topic; an entry changed since
    keeps its newer version unpublished."""
    connection.execute(
        list_entries.update()
        .where(list_entries.c.entry_id == sa.bindparam("key"))
        .where(list_entries.c.version == sa.bindparam("seen"))
        .values(published_version=sa.bindparam("seen")),
        [{"key": entry_id, "seen": version} for entry_id, version in published],
    )
