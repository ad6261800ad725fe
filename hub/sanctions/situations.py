"""Every (active entry, member where its subject is present) pair as the policy sees it: what
`alliance-hub policy diff` weighs a new policy against, without applying it."""

from collections import defaultdict

import sqlalchemy as sa

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.domain.lists import ACTIVE_STATUSES, ListStatus
from hub.policy.rules import Situation, Targets
from hub.sanctions.matching import clusters_of_entry, member_kinds, presence_by_member
from hub.store.schema import list_entries

__all__ = ["presence_situations"]


def presence_situations(connection: sa.Connection) -> dict[tuple[str, str], Situation]:
    """(entry id, member) -> the presence-scoped situation of that pair today."""
    entries = connection.execute(
        sa.select(
            list_entries.c.entry_id,
            list_entries.c.list_type,
            list_entries.c.category,
            list_entries.c.status,
        ).where(list_entries.c.status.in_(sorted(ACTIVE_STATUSES)))
    ).all()
    known: dict[tuple[str, str], set[str]] = defaultdict(set)
    details = {}
    for entry in entries:
        clusters = clusters_of_entry(connection, entry.entry_id)
        for by_member in presence_by_member(connection, clusters).values():
            for member, identifiers in by_member.items():
                known[(entry.entry_id, member)] |= {str(i.scheme) for i in identifiers}
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
