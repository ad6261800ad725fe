"""Identity linking: identifiers reported together belong to one subject cluster.

A signal naming a USCC, a store and a tokenised mobile joins all three; when it names
identifiers already in different clusters, those clusters merge. A whole batch is linked at
once (one read, a union-find in memory, a few writes), and a merge keeps the smallest cluster
id, so two workers merging the same clusters choose the same survivor.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import CreditSignal, SignalCategory
from hub.store.subjects import Key, clusters_of, insert_links, merge_clusters

__all__ = ["link_all", "present_identifiers"]


def _key(identifier: Identifier) -> Key:
    return (str(identifier.scheme), identifier.value)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, node: object) -> object:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: object, b: object) -> None:
        self.parent[self.find(a)] = self.find(b)


def link_all(connection: sa.Connection, groups: Sequence[Sequence[Identifier]]) -> list[str]:
    """Link each group's identifiers into one cluster, merging clusters as groups overlap;
    return each group's cluster id."""
    known = clusters_of(connection, (_key(i) for group in groups for i in group))
    components = _UnionFind()
    for group in groups:
        first = _key(group[0])
        for identifier in group:
            key = _key(identifier)
            components.union(key, first)
            if key in known:
                components.union(("cluster", known[key]), first)
    members: dict[object, set[str]] = {}
    for cluster in set(known.values()):
        members.setdefault(components.find(("cluster", cluster)), set()).add(cluster)
    chosen: dict[object, str] = {root: min(clusters) for root, clusters in members.items()}
    for group in groups:
        root = components.find(_key(group[0]))
        if root not in chosen:  # a new subject
            chosen[root] = str(uuid.uuid4())
    for root, clusters in members.items():
        absorbed = sorted(clusters - {chosen[root]})
        if absorbed:
            merge_clusters(connection, absorbed, chosen[root])
    fresh = {
        key: chosen[components.find(key)]
        for group in groups
        for key in map(_key, group)
        if key not in known
    }
    insert_links(connection, sorted(fresh.items()))
    return [chosen[components.find(_key(group[0]))] for group in groups]


def present_identifiers(signal: CreditSignal) -> list[Identifier]:
    """Identifiers the reporter itself vouches are active with it: all of a PRESENCE signal,
    and in any signal the reporter's own stores."""
    if signal.category is SignalCategory.PRESENCE:
        return list(signal.subject)
    own = f"{signal.reporter}:store:"
    return [
        i for i in signal.subject if i.scheme is IdentifierScheme.STORE and i.value.startswith(own)
    ]
