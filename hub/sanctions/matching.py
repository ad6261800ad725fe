"""Matching subject clusters against the sanction lists, and where each subject is active.

A cluster matches an active list entry when any identifier of the cluster is one of the
entry's identifiers. Clusters and presences live in the database; list entries are looked up
in the worker's in-memory index (hub.sanctions.index). Every function takes a whole batch's
clusters and runs one query for them.
"""

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.domain.lists import ACTIVE_STATUSES, ListStatus
from hub.sanctions.index import ListIndex
from hub.store.schema import (
    list_entries,
    list_entry_identifiers,
    members,
    presences,
    subject_identifiers,
)
from hub.store.timestamps import as_utc

__all__ = [
    "EntryMatch",
    "cluster_identifiers",
    "entries_matching",
    "clusters_of_entry",
    "current_entry",
    "matching_entries",
    "member_kinds",
    "presence_by_member",
    "public_identifiers",
    "public_of",
]


@dataclass(frozen=True)
class EntryMatch:
    entry_id: str
    list_type: ListType
    category: SignalCategory
    status: ListStatus
    rectification_deadline: datetime | None  # set for every imported entry


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


def current_entry(connection: sa.Connection, entry_id: str) -> EntryMatch:
    """The entry as the store has it now."""
    row = connection.execute(
        sa.select(*_ENTRY_COLUMNS).where(list_entries.c.entry_id == entry_id)
    ).one()
    return _entry_match(row)


def _same_identifier(table: sa.Table) -> sa.ColumnElement[bool]:
    return sa.and_(
        subject_identifiers.c.scheme == table.c.scheme,
        subject_identifiers.c.value == table.c.value,
    )


def cluster_identifiers(
    connection: sa.Connection, clusters: Collection[str]
) -> dict[str, set[tuple[str, str]]]:
    """cluster -> its identifiers, as (scheme, value)."""
    rows = connection.execute(
        sa.select(
            subject_identifiers.c.cluster_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        ).where(subject_identifiers.c.cluster_id.in_(sorted(clusters)))
    )
    identifiers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in rows:
        identifiers[r.cluster_id].add((r.scheme, r.value))
    return dict(identifiers)


def matching_entries(
    connection: sa.Connection, clusters: Collection[str], index: ListIndex
) -> dict[str, list[EntryMatch]]:
    """For each cluster that matches, the active list entries naming any of its identifiers:
    found in the worker's index (built from alliance.lists), with their status from the
    store."""
    return entries_matching(connection, cluster_identifiers(connection, clusters), index)


def entries_matching(
    connection: sa.Connection,
    identifiers: Mapping[str, set[tuple[str, str]]],
    index: ListIndex,
) -> dict[str, list[EntryMatch]]:
    """`matching_entries` for clusters whose identifiers the caller already read."""
    candidates = {
        cluster: [e.entry_id for e in index.matching(known)]
        for cluster, known in sorted(identifiers.items())
    }
    wanted = sorted({entry_id for ids in candidates.values() for entry_id in ids})
    if not wanted:
        return {}
    # The index says which entries name these identifiers; the store says what they are now.
    # The index may lag a status change by a relay round, and a decision on a stale status
    # (an entry delisted a moment ago) could never be taken back.
    current = {
        r.entry_id: _entry_match(r)
        for r in connection.execute(
            sa.select(*_ENTRY_COLUMNS)
            .where(list_entries.c.entry_id.in_(wanted))
            .where(list_entries.c.status.in_(sorted(ACTIVE_STATUSES)))
        )
    }
    found = {
        cluster: [current[entry_id] for entry_id in ids if entry_id in current]
        for cluster, ids in candidates.items()
    }
    return {cluster: matches for cluster, matches in found.items() if matches}


def public_of(identifiers: Collection[tuple[str, str]]) -> list[Identifier]:
    """The USCCs among these identifiers, by value: public, so every member may be told."""
    uscc = str(IdentifierScheme.USCC)
    return [
        Identifier(IdentifierScheme.USCC, value)
        for scheme, value in sorted(identifiers, key=lambda i: i[1])
        if scheme == uscc
    ]


def clusters_of_entry(connection: sa.Connection, entry_id: str) -> list[str]:
    """The subject clusters holding any of the entry's identifiers."""
    return list(
        connection.scalars(
            sa.select(subject_identifiers.c.cluster_id)
            .distinct()
            .select_from(list_entry_identifiers)
            .join(subject_identifiers, _same_identifier(list_entry_identifiers))
            .where(list_entry_identifiers.c.entry_id == entry_id)
            .order_by(subject_identifiers.c.cluster_id)
        )
    )


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


def presence_by_member(
    connection: sa.Connection, clusters: Collection[str]
) -> dict[str, dict[str, list[Identifier]]]:
    """cluster -> member -> the identifiers that member knows the subject by."""
    rows = connection.execute(
        sa.select(
            subject_identifiers.c.cluster_id,
            presences.c.member_id,
            presences.c.scheme,
            presences.c.value,
        )
        .select_from(presences)
        .join(subject_identifiers, _same_identifier(presences))
        .where(subject_identifiers.c.cluster_id.in_(sorted(clusters)))
        .order_by(presences.c.member_id, presences.c.scheme, presences.c.value)
    )
    found: dict[str, dict[str, list[Identifier]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        found[r.cluster_id][r.member_id].append(Identifier(IdentifierScheme(r.scheme), r.value))
    return {cluster: dict(by_member) for cluster, by_member in found.items()}


def public_identifiers(
    connection: sa.Connection, clusters: Collection[str]
) -> dict[str, list[Identifier]]:
    """cluster -> its USCCs: public, so every member may be told them."""
    # By cluster only: with the scheme in the query too, SQLite walks every USCC it knows.
    rows = connection.execute(
        sa.select(
            subject_identifiers.c.cluster_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        )
        .where(subject_identifiers.c.cluster_id.in_(sorted(clusters)))
        .order_by(subject_identifiers.c.value)
    )
    found: dict[str, list[Identifier]] = defaultdict(list)
    for r in rows:
        if r.scheme == IdentifierScheme.USCC:
            found[r.cluster_id].append(Identifier(IdentifierScheme.USCC, r.value))
    return dict(found)
