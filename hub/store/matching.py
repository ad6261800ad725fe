"""What matching reads from the store: list entries as they stand now, the entries and
clusters that name each other through a shared identifier, and the kinds of members.

The worker's index proposes the entries a cluster may match (hub.sanctions.matching); these
queries say what those entries are now.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alliance_connector.messages import ListType, SignalCategory
from hub.domain.links import Key
from hub.domain.lists import ACTIVE_STATUSES, ListStatus
from hub.store.schema import list_entries, list_entry_identifiers, members, subject_identifiers
from hub.store.subjects import same_identifier
from hub.store.timestamps import as_utc

__all__ = [
    "EntryMatch",
    "NamingEntry",
    "active_entries",
    "clusters_naming_entry",
    "entries_naming_cluster",
    "entry_keys",
    "entry_now",
    "member_kinds",
]


@dataclass(frozen=True)
class EntryMatch:
    entry_id: str
    list_type: ListType
    category: SignalCategory
    status: ListStatus
    rectification_deadline: datetime | None  # set for every imported entry


@dataclass(frozen=True)
class NamingEntry:
    """An entry naming a subject, as the subject view lists it (the stored text)."""

    entry_id: str
    list_type: str
    status: str


# The columns an EntryMatch is made of, in its fields' order.
_ENTRY_COLUMNS = (
    list_entries.c.entry_id,
    list_entries.c.list_type,
    list_entries.c.category,
    list_entries.c.status,
    list_entries.c.rectification_deadline,
)


def _entry_match(row: sa.Row[Any, Any, Any, Any, Any]) -> EntryMatch:
    deadline = row.rectification_deadline
    return EntryMatch(
        row.entry_id,
        ListType(row.list_type),
        SignalCategory(row.category),
        ListStatus(row.status),
        as_utc(deadline) if deadline else None,
    )


def entry_now(connection: sa.Connection, entry_id: str) -> EntryMatch:
    """The entry as the store has it now (NoResultFound if there is none)."""
    row = connection.execute(
        sa.select(*_ENTRY_COLUMNS).where(list_entries.c.entry_id == entry_id)
    ).one()
    return _entry_match(row)


def active_entries(connection: sa.Connection, entry_ids: Collection[str]) -> dict[str, EntryMatch]:
    """Those of these entries whose status is active now, by id."""
    return {
        r.entry_id: _entry_match(r)
        for r in connection.execute(
            sa.select(*_ENTRY_COLUMNS)
            .where(list_entries.c.entry_id.in_(entry_ids))
            .where(list_entries.c.status.in_(sorted(ACTIVE_STATUSES)))
        )
    }


def clusters_naming_entry(connection: sa.Connection, entry_id: str) -> list[str]:
    """The subject clusters holding any of the entry's identifiers, in order."""
    return list(
        connection.scalars(
            sa.select(subject_identifiers.c.cluster_id)
            .distinct()
            .select_from(list_entry_identifiers)
            .join(subject_identifiers, same_identifier(list_entry_identifiers))
            .where(list_entry_identifiers.c.entry_id == entry_id)
            .order_by(subject_identifiers.c.cluster_id)
        )
    )


def entries_naming_cluster(connection: sa.Connection, cluster: str) -> list[NamingEntry]:
    """The list entries naming any identifier of the cluster, whatever their status, by id."""
    rows = connection.execute(
        sa.select(list_entries.c.entry_id, list_entries.c.list_type, list_entries.c.status)
        .distinct()
        .select_from(list_entries)
        .join(list_entry_identifiers, list_entry_identifiers.c.entry_id == list_entries.c.entry_id)
        .join(subject_identifiers, same_identifier(list_entry_identifiers))
        .where(subject_identifiers.c.cluster_id == cluster)
        .order_by(list_entries.c.entry_id)
    )
    return [NamingEntry(r.entry_id, r.list_type, r.status) for r in rows]


def member_kinds(connection: sa.Connection, member_ids: Collection[str]) -> dict[str, str]:
    """platform | logistics | other, per member (the policy's member_kinds)."""
    if not member_ids:
        return {}
    rows = connection.execute(
        sa.select(members.c.member_id, members.c.kind).where(
            members.c.member_id.in_(sorted(member_ids))
        )
    )
    return {r.member_id: r.kind for r in rows}


def entry_keys(connection: sa.Connection, entry_ids: Collection[str]) -> dict[str, set[Key]]:
    """entry -> its identifiers as (scheme, value): where the tie rule starts."""
    if not entry_ids:
        return {}
    rows = connection.execute(
        sa.select(
            list_entry_identifiers.c.entry_id,
            list_entry_identifiers.c.scheme,
            list_entry_identifiers.c.value,
        ).where(list_entry_identifiers.c.entry_id.in_(sorted(entry_ids)))
    )
    found: dict[str, set[Key]] = {}
    for r in rows:
        found.setdefault(r.entry_id, set()).add((r.scheme, r.value))
    return found
