"""Withdrawing links and what follows (issue 15 item 3): an operator withdraws one assertion,
every assertion of one signal, or every assertion of one member; the clusters they touched are
recomputed from the joining links that remain and split where nothing joins them any more; and
every list entry naming those clusters is reconciled, so each instruction whose basis is gone
is lifted, the LIFT's trigger naming the withdrawal. The ledger records each step: one
LINKS_WITHDRAWN row, one CLUSTER_SPLIT row per split, the instructions issued and lifted.

It runs under the ledger's lock, so no worker batch links in between.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hub.domain.links import Edge, Key, cluster_name, joining_edges
from hub.errors import NothingToWithdraw
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.policy.rules import Policy
from hub.sanctions.instructions import NewInstruction, Trigger, ledger_entries
from hub.sanctions.reconcile import reconcile_entries
from hub.store.links import links_within, withdraw
from hub.store.matching import entries_naming_cluster
from hub.store.subjects import clusters_of, identifiers_in, split_cluster

__all__ = ["Withdrawal", "withdraw_links"]


@dataclass
class Withdrawal:
    withdrawal_id: str
    assertions: int
    splits: dict[str, list[str]] = field(default_factory=dict)  # old cluster -> all its parts
    issued: list[NewInstruction] = field(default_factory=list)
    lifted: list[NewInstruction] = field(default_factory=list)


def _withdrawal_id(member: str, signal_id: str | None, link: Edge | None, now: datetime) -> str:
    parts = [member, signal_id or "", repr(link) if link else "", now.isoformat()]
    return "wd-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class _Parts:
    """A union-find over one cluster's identifiers."""

    def __init__(self, nodes: Sequence[Key]) -> None:
        self.parent = {node: node for node in nodes}

    def find(self, node: Key) -> Key:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: Key, b: Key) -> None:
        if a in self.parent and b in self.parent:
            self.parent[self.find(a)] = self.find(b)

    def groups(self) -> list[list[Key]]:
        found: dict[Key, list[Key]] = {}
        for node in sorted(self.parent):
            found.setdefault(self.find(node), []).append(node)
        return sorted(found.values())


def _recompute(
    connection: sa.Connection, cluster: str, corroboration: int, withdrawal_id: str
) -> list[str]:
    """Split the cluster into the parts its remaining joining links hold together; the part
    holding its smallest identifier keeps its id. Returns every part's id (one: no split)."""
    nodes = identifiers_in(connection, cluster)
    if not nodes:
        return [cluster]
    parts = _Parts(nodes)
    for a, b in joining_edges(links_within(connection, [cluster]).get(cluster, ()), corroboration):
        parts.union(a, b)
    groups = parts.groups()
    if len(groups) == 1:
        return [cluster]
    # Named after the withdrawal too: an id once merged away is never reused.
    moved = {
        cluster_name((f"split:{withdrawal_id}", f"{g[0][0]}:{g[0][1]}")): g for g in groups[1:]
    }
    split_cluster(connection, cluster, moved)
    return [cluster, *sorted(moved)]


def withdraw_links(
    connection: sa.Connection,
    member: str,
    actor: str,
    reason: str,
    policy: Policy,
    now: datetime,
    signal_id: str | None = None,
    link: Edge | None = None,
) -> Withdrawal:
    """Withdraw the member's assertions (all, one signal's, or one link of one signal's)
    inside the caller's transaction, and apply what follows (see the module docstring).
    Raises NothingToWithdraw if none is standing."""
    lock_head(connection)
    withdrawal_id = _withdrawal_id(member, signal_id, link, now)
    rows = withdraw(connection, withdrawal_id, now, member, signal_id=signal_id, link=link)
    if not rows:
        raise NothingToWithdraw(member)
    result = Withdrawal(withdrawal_id, len(rows))
    entries = [
        LedgerEntry(
            "LINKS_WITHDRAWN",
            actor,
            {
                "member": member,
                "signal": signal_id,
                "link": bool(link),
                "assertions": len(rows),
                "reason": reason,
            },
            withdrawal_id,
        )
    ]
    touched = sorted(set(clusters_of(connection, {k for r in rows for k in (r.a, r.b)}).values()))
    corroboration = policy.safeguards.weak_corroboration
    for cluster in touched:
        parts = _recompute(connection, cluster, corroboration, withdrawal_id)
        if len(parts) > 1:
            result.splits[cluster] = parts
            body = {"cluster": cluster, "into": parts}
            entries.append(LedgerEntry("CLUSTER_SPLIT", "hub", body, withdrawal_id))
    trigger = Trigger(withdrawal_id, now)
    named = sorted(
        {
            e.entry_id
            for cluster in {c for parts in result.splits.values() for c in parts} | set(touched)
            for e in entries_naming_cluster(connection, cluster)
        }
    )
    decided = reconcile_entries(connection, named, policy, trigger, now)
    result.issued, result.lifted = decided.issued, decided.lifted
    entries += decided.entries
    append(connection, entries + ledger_entries(result.issued + result.lifted), now)
    return result
