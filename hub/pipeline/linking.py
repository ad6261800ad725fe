"""Identity linking: what one signal asserts about who is who, and the clusters those
assertions make. The rules, for operators, are in docs/linking.md; in short:

- a signal is about its anchor, its strongest own identifier (`ANCHOR_ORDER`), and asserts
  every other identifier it names is the same subject;
- a waybill is an event, never identity: it joins nothing (empty-parcel correlation uses it);
- another member's store or account is evidence (a `mention`), never a join;
- a link with a mobile or an account at either end is `weak`: it joins once enough distinct
  signals asserted it (the policy's `weak_corroboration`);
- a link that would put two different credit codes (or resident ids) in one cluster joins
  nothing: it is `held` and opens a BRIDGE review, and so does a mention of a store that sits
  with another credit code.

Every assertion is stored with who made it and in which signal (hub.store.links), so a
withdrawal can recompute clusters from what remains (hub.sanctions.withdrawal). A whole batch
is linked at once: one read of the clusters it touches, a union-find in memory, a few writes.
A merge keeps the smallest cluster id, and a new cluster's id is derived from its smallest
identifier, so the same input gives the same clusters on every worker and every replay.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from alliance_connector.messages import CreditSignal, SignalCategory
from hub.domain.links import (
    BRIDGED,
    NAMESPACED,
    WEAK,
    Edge,
    Key,
    LinkKind,
    anchor_of,
    cluster_name,
    conflict,
    edge,
    is_foreign,
    joins,
)
from hub.store.links import bridged_identifiers, insert_assertions, weak_support
from hub.store.reviews import NewReview, ReviewKind, review_id
from hub.store.subjects import clusters_of, insert_links, merge_clusters

__all__ = [
    "Batch",
    "Plan",
    "link_all",
    "plan",
    "present_identifiers",
]


S = IdentifierScheme


def _key(identifier: Identifier) -> Key:
    return (str(identifier.scheme), identifier.value)


@dataclass(frozen=True)
class Plan:
    """What one signal asserts: its anchor and (anchor, other, kind) for each other identifier."""

    reporter: str
    signal_id: str
    anchor: Key
    assertions: tuple[tuple[Key, LinkKind], ...]


def plan(signal: CreditSignal, signal_id: str) -> Plan | None:
    """The signal's assertions, or None if it names no identity (waybills only)."""
    reporter = signal.reporter
    anchor = anchor_of(signal.subject, reporter)
    if anchor is None:
        return None
    assertions = []
    for other in (i for i in signal.subject if i.scheme is not S.WAYBILL):
        if other == anchor:
            continue
        if is_foreign(other, reporter) or is_foreign(anchor, reporter):
            kind = LinkKind.MENTION
        elif other.scheme in WEAK or anchor.scheme in WEAK:
            kind = LinkKind.WEAK
        else:
            kind = LinkKind.STRONG
        assertions.append((_key(other), kind))
    return Plan(reporter, signal_id, _key(anchor), tuple(dict.fromkeys(assertions)))


class _Components:
    """A union-find over identifiers and stored clusters, each root holding the credit codes
    and resident ids of its part."""

    def __init__(self, known: Mapping[Key, str], bridged: Mapping[str, set[Key]]) -> None:
        self.known = known
        self.parent: dict[object, object] = {}
        self.ids: dict[object, set[Key]] = {("c", c): set(v) for c, v in bridged.items()}

    def _node(self, key: Key) -> object:
        return ("c", self.known[key]) if key in self.known else key

    def find(self, key: Key) -> object:
        node = self._node(key)
        if node not in self.parent:
            self.parent[node] = node
            if node not in self.ids:
                self.ids[node] = {key} if key[0] in BRIDGED else set()
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, x: Key, y: Key) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[rx] = ry
            self.ids[ry] |= self.ids.pop(rx)


@dataclass
class Batch:
    """What linking a batch produced: each planned signal's cluster (None for a signal that
    names no identity) and the BRIDGE reviews it asks for."""

    clusters: list[str | None] = field(default_factory=list)
    bridges: list[NewReview] = field(default_factory=list)


def _bridge(plan: Plan, other: Key, kind: LinkKind, due: datetime) -> NewReview:
    a, b = edge(plan.anchor, other)
    return NewReview(
        review_id(ReviewKind.BRIDGE, *a, *b),
        ReviewKind.BRIDGE,
        {
            "link": [{"scheme": a[0], "value": a[1]}, {"scheme": b[0], "value": b[1]}],
            "asserted_by": plan.reporter,
            "signal_id": plan.signal_id,
            "kind": str(kind),
        },
        due,
    )


def link_all(
    connection: sa.Connection,
    plans: Sequence[Plan | None],
    corroboration: int,
    review_days: int,
    now: datetime,
) -> Batch:
    """Store the batch's assertions, join what they join, and return each signal's cluster
    and the bridge reviews to open (see the module docstring)."""
    real = [p for p in plans if p is not None]
    nodes = {k for p in real for k in (p.anchor, *(o for o, _ in p.assertions))}
    known = clusters_of(connection, nodes)
    # The credit codes of the stored clusters a link could join to another (rarely any: most
    # signals name a subject whose identifiers are one cluster already).
    crossing = {
        c
        for p in real
        for other, _ in p.assertions
        if known.get(p.anchor) != known.get(other) or other not in known
        for c in (known.get(p.anchor), known.get(other))
        if c is not None
    }
    components = _Components(known, bridged_identifiers(connection, crossing, BRIDGED))
    weak_edges = {
        edge(p.anchor, o)
        for p in real
        for o, kind in p.assertions
        if kind is LinkKind.WEAK and known.get(p.anchor, p.anchor) != known.get(o, o)
    }
    support = weak_support(connection, weak_edges) if weak_edges else {}
    due = now + timedelta(days=review_days)
    rows: list[tuple[Edge, str, str, str, bool]] = []
    batch = Batch()
    for p in real:
        components.find(p.anchor)
        for other, kind in p.assertions:
            pair = edge(p.anchor, other)
            ra, rb = components.find(p.anchor), components.find(other)
            held = ra != rb and conflict(components.ids[ra], components.ids[rb])
            if held:
                batch.bridges.append(_bridge(p, other, kind, due))
            elif kind is LinkKind.WEAK and ra != rb:
                signals = support.setdefault(pair, set())
                signals.add(f"{p.reporter}\x1f{p.signal_id}")
                if joins(kind, False, len(signals), corroboration):
                    components.union(p.anchor, other)
            elif kind is LinkKind.STRONG:
                components.union(p.anchor, other)
            rows.append((pair, p.reporter, p.signal_id, str(kind), held))
    chosen = _name_components(connection, components, nodes)
    insert_assertions(connection, rows, now)
    batch.clusters = [chosen[components.find(p.anchor)] if p is not None else None for p in plans]
    return batch


def _name_components(
    connection: sa.Connection, components: _Components, nodes: Iterable[Key]
) -> dict[object, str]:
    """Each component's cluster id (merging stored clusters it joined) and the new
    identifiers' links to it, written."""
    stored: dict[object, set[str]] = {}
    fresh: dict[object, list[Key]] = {}
    for key in sorted(nodes):
        root = components.find(key)
        if key in components.known:
            stored.setdefault(root, set()).add(components.known[key])
        else:
            fresh.setdefault(root, []).append(key)
    chosen: dict[object, str] = {}
    for root in stored.keys() | fresh.keys():
        clusters = stored.get(root)
        if clusters:
            chosen[root] = min(clusters)
            absorbed = sorted(clusters - {chosen[root]})
            if absorbed:
                merge_clusters(connection, absorbed, chosen[root])
        else:
            chosen[root] = cluster_name(fresh[root][0])
    insert_links(
        connection,
        sorted((key, chosen[root]) for root, keys in fresh.items() for key in keys),
    )
    return chosen


def present_identifiers(signal: CreditSignal) -> list[Identifier]:
    """Identifiers the reporter itself vouches are active with it: its own stores and
    accounts in any signal, and every own identifier of a PRESENCE signal (a waybill is an
    event, never a presence)."""
    reporter = signal.reporter
    if signal.category is SignalCategory.PRESENCE:
        return [
            i for i in signal.subject if i.scheme is not S.WAYBILL and not is_foreign(i, reporter)
        ]
    return [i for i in signal.subject if i.scheme in NAMESPACED and not is_foreign(i, reporter)]
