"""What the monthly report reads from the store: list transitions and instructions within a
span of time, as plain tuples for hub.reports to count."""

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import instructions, list_entries, list_transitions
from hub.store.timestamps import as_utc

__all__ = ["instructions_issued", "transition_counts"]


def transition_counts(
    connection: sa.Connection, start: datetime, end: datetime, statuses: Collection[str]
) -> list[tuple[str, str | None, str, int]]:
    """(category, province, status moved to, count) of the transitions to `statuses` made in
    [start, end), counted by the entry's category and province."""
    rows = connection.execute(
        sa.select(
            list_entries.c.category,
            list_entries.c.province,
            list_transitions.c.to_status,
            sa.func.count(),
        )
        .join(list_entries, list_entries.c.entry_id == list_transitions.c.entry_id)
        .where(list_transitions.c.at >= start, list_transitions.c.at < end)
        .where(list_transitions.c.to_status.in_(statuses))
        .group_by(list_entries.c.category, list_entries.c.province, list_transitions.c.to_status)
    )
    return [(category, province, status, int(count)) for category, province, status, count in rows]


def instructions_issued(
    connection: sa.Connection, start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime | None]]:
    """(target member, issued at, acknowledged at or None) of the instructions issued in
    [start, end), by member, times in UTC."""
    rows = connection.execute(
        sa.select(instructions.c.target_member, instructions.c.issued_at, instructions.c.acked_at)
        .where(instructions.c.issued_at >= start, instructions.c.issued_at < end)
        .order_by(instructions.c.target_member)
    )
    return [
        (member, as_utc(issued_at), as_utc(acked_at) if acked_at else None)
        for member, issued_at, acked_at in rows
    ]
