"""Every (active entry, member where its subject is present) pair as the policy sees it: what
`alliance-hub policy diff` weighs a new policy against, without applying it."""

from collections import defaultdict

import sqlalchemy as sa

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.domain.lists import ListStatus
from hub.policy.rules import Policy, Situation, Targets
from hub.sanctions.ties import presence_ties, tie_graph
from hub.store.links import links_within
from hub.store.matching import clusters_naming_entry, entry_keys, member_kinds
from hub.store.presence import presence_by_member
from hub.store.situations import ActiveEntry, active_entry_list

__all__ = ["presence_situations"]


def presence_situations(
    connection: sa.Connection, policy: Policy
) -> dict[tuple[str, str], Situation]:
    """(entry id, member) -> the presence-scoped situation of that pair today, as `policy`
    (the one in force) ties members to entries."""
    entries = active_entry_list(connection)
    known: dict[tuple[str, str], set[str]] = defaultdict(set)
    details: dict[str, ActiveEntry] = {}
    starts = entry_keys(connection, [e.entry_id for e in entries])
    for entry in entries:
        clusters = clusters_naming_entry(connection, entry.entry_id)
        links = links_within(connection, clusters)
        start = starts.get(entry.entry_id, set())
        for cluster, by_member in presence_by_member(connection, clusters).items():
            # As the hub decides: only what each member tied to the entry itself.
            graph = tie_graph(links.get(cluster, ()), policy.safeguards.weak_corroboration)
            for member, tied in presence_ties(graph, start, by_member).items():
                known[(entry.entry_id, member)] |= {scheme for scheme, _ in tied}
        details[entry.entry_id] = entry
    kinds = member_kinds(connection, {member for _, member in known})
    situations = {}
    for (entry_id, member), schemes in sorted(known.items()):
        entry = details[entry_id]
        situations[(entry_id, member)] = Situation(
            ListType(entry.list_type),
            ListStatus(entry.status),
            SignalCategory(entry.category),
            kinds.get(member, "other"),
            Targets.PRESENCE,
            frozenset(IdentifierScheme(s) for s in schemes),
        )
    return situations
