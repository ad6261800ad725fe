"""The list entries `alliance-hub policy diff` weighs a policy against
(hub.sanctions.situations)."""

from dataclasses import dataclass

import sqlalchemy as sa

from hub.domain.lists import ACTIVE_STATUSES
from hub.store.schema import list_entries

__all__ = ["ActiveEntry", "active_entry_list"]


@dataclass(frozen=True)
class ActiveEntry:
    """An active entry's identity and what the policy asks of it, as stored (text)."""

    entry_id: str
    list_type: str
    category: str
    status: str


def active_entry_list(connection: sa.Connection) -> list[ActiveEntry]:
    """Every entry whose status is active, in the store's order."""
    rows = connection.execute(
        sa.select(
            list_entries.c.entry_id,
            list_entries.c.list_type,
            list_entries.c.category,
            list_entries.c.status,
        ).where(list_entries.c.status.in_(sorted(ACTIVE_STATUSES)))
    ).all()
    return [ActiveEntry(r.entry_id, r.list_type, r.category, r.status) for r in rows]
