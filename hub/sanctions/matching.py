"""Matching subject clusters against the sanction lists.

A cluster matches an active list entry when any identifier of the cluster is one of the
entry's identifiers. Clusters and presences live in the database (hub.store.matching,
hub.store.subjects); list entries are looked up in the worker's in-memory index
(hub.sanctions.index). Every function takes a whole batch's clusters and runs one query for
them.
"""

from collections.abc import Collection, Mapping

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from hub.sanctions.index import ListIndex
from hub.store.matching import EntryMatch, active_entries

__all__ = [
    "entries_matching",
    "public_of",
]


def entries_matching(
    connection: sa.Connection,
    identifiers: Mapping[str, set[tuple[str, str]]],
    index: ListIndex,
) -> dict[str, list[EntryMatch]]:
    """For each cluster that matches, the active list entries naming any of its identifiers
    (`identifiers`: each cluster's (scheme, value) pairs, as store.subjects reads them): found
    in the worker's index (built from alliance.lists), with their status from the store."""
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
    current = active_entries(connection, wanted)
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
