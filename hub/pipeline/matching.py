"""Matching a subject cluster against the sanction lists, and where the subject is active.

The database is the system of record and the index: a cluster matches an active list entry
when any identifier of the cluster is one of the entry's identifiers.
"""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.store.schema import list_entries, list_entry_identifiers, presences, subject_identifiers

__all__ = [
    "INACTIVE_STATUSES",
    "EntryMatch",
    "matching_entries",
    "presence_by_member",
    "public_identifiers",
]

# Entries no longer sanctioned (the lists issue adds the full lifecycle).
INACTIVE_STATUSES = ("RECTIFIED", "DELISTED")


@dataclass(frozen=True)
class EntryMatch:
    entry_id: str
    list_type: ListType
    category: SignalCategory


def matching_entries(connection: sa.Connection, cluster: str) -> list[EntryMatch]:
    """Active list entries that name any identifier of the cluster."""
    rows = connection.execute(
        sa.select(list_entries.c.entry_id, list_entries.c.list_type, list_entries.c.category)
        .distinct()
        .join(list_entry_identifiers, list_entry_identifiers.c.entry_id == list_entries.c.entry_id)
        .join(
            subject_identifiers,
            sa.and_(
                subject_identifiers.c.scheme == list_entry_identifiers.c.scheme,
                subject_identifiers.c.value == list_entry_identifiers.c.value,
            ),
        )
        .where(subject_identifiers.c.cluster_id == cluster)
        .where(list_entries.c.status.not_in(INACTIVE_STATUSES))
        .order_by(list_entries.c.entry_id)
    )
    return [EntryMatch(r.entry_id, ListType(r.list_type), SignalCategory(r.category)) for r in rows]


def presence_by_member(connection: sa.Connection, cluster: str) -> dict[str, list[Identifier]]:
    """For each member where the cluster is active, the identifiers it knows the subject by."""
    rows = connection.execute(
        sa.select(presences.c.member_id, presences.c.scheme, presences.c.value)
        .join(
            subject_identifiers,
            sa.and_(
                subject_identifiers.c.scheme == presences.c.scheme,
                subject_identifiers.c.value == presences.c.value,
            ),
        )
        .where(subject_identifiers.c.cluster_id == cluster)
        .order_by(presences.c.member_id, presences.c.scheme, presences.c.value)
    )
    found: dict[str, list[Identifier]] = defaultdict(list)
    for row in rows:
        found[row.member_id].append(Identifier(IdentifierScheme(row.scheme), row.value))
    return dict(found)


def public_identifiers(connection: sa.Connection, cluster: str) -> list[Identifier]:
    """The cluster's USCCs: public, so every member may be told them."""
    rows = connection.execute(
        sa.select(subject_identifiers.c.value)
        .where(subject_identifiers.c.cluster_id == cluster)
        .where(subject_identifiers.c.scheme == str(IdentifierScheme.USCC))
        .order_by(subject_identifiers.c.value)
    )
    return [Identifier(IdentifierScheme.USCC, value) for (value,) in rows]
