"""What the monthly report reads from the store, within a span of time, as plain tuples for
hub.reports to count: list transitions, instructions and their acks, operator tasks, and the
ledger rows of kinds other parts of the hub write (objections, repairs)."""

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import instructions, ledger, list_entries, list_transitions, operator_tasks
from hub.store.timestamps import as_utc

__all__ = [
    "instructions_issued",
    "ledger_rows",
    "listing_times",
    "tasks_in_play",
    "transition_counts",
    "unacked_at",
]


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


def listing_times(
    connection: sa.Connection, start: datetime, end: datetime, statuses: Collection[str]
) -> list[tuple[str, datetime, datetime]]:
    """(status moved to, when the entry was first LISTED, when it moved) of the transitions
    to `statuses` made in [start, end) by entries the hub has a LISTED transition for."""
    listed = (
        sa.select(
            list_transitions.c.entry_id.label("entry_id"),
            sa.func.min(list_transitions.c.at).label("listed_at"),
        )
        .where(list_transitions.c.to_status == "LISTED")
        .group_by(list_transitions.c.entry_id)
        .subquery()
    )
    rows = connection.execute(
        sa.select(list_transitions.c.to_status, listed.c.listed_at, list_transitions.c.at)
        .join(listed, listed.c.entry_id == list_transitions.c.entry_id)
        .where(list_transitions.c.at >= start, list_transitions.c.at < end)
        .where(list_transitions.c.to_status.in_(statuses))
    )
    return [(status, as_utc(listed_at), as_utc(at)) for status, listed_at, at in rows]


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


def unacked_at(
    connection: sa.Connection, issued_before: datetime, moment: datetime
) -> list[tuple[str, int]]:
    """(member, count) of the instructions issued before `issued_before` that had no
    acknowledgement at `moment`: the acks overdue then."""
    waiting = sa.or_(instructions.c.acked_at.is_(None), instructions.c.acked_at >= moment)
    rows = connection.execute(
        sa.select(instructions.c.target_member, sa.func.count())
        .where(instructions.c.issued_at < issued_before, waiting)
        .group_by(instructions.c.target_member)
        .order_by(instructions.c.target_member)
    )
    return [(member, int(count)) for member, count in rows]


def tasks_in_play(
    connection: sa.Connection, start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime, datetime | None]]:
    """(kind, created at, due at, done at or None) of the operator tasks created before `end`
    that were not done before `start`: the ones the month could do, or leave late."""
    rows = connection.execute(
        sa.select(
            operator_tasks.c.kind,
            operator_tasks.c.created_at,
            operator_tasks.c.due_at,
            operator_tasks.c.done_at,
        )
        .where(operator_tasks.c.created_at < end)
        .where(sa.or_(operator_tasks.c.done_at.is_(None), operator_tasks.c.done_at >= start))
    )
    return [
        (kind, as_utc(created), as_utc(due), as_utc(done) if done else None)
        for kind, created, due, done in rows
    ]


def ledger_rows(
    connection: sa.Connection, start: datetime, end: datetime, kinds: Collection[str]
) -> list[tuple[str, str | None, str]]:
    """(kind, ref, body JSON) of the ledger rows of `kinds` recorded in [start, end), in seq
    order."""
    rows = connection.execute(
        sa.select(ledger.c.kind, ledger.c.ref, ledger.c.body)
        .where(ledger.c.recorded_at >= start, ledger.c.recorded_at < end)
        .where(ledger.c.kind.in_(kinds))
        .order_by(ledger.c.seq)
    )
    return [(kind, ref, body) for kind, ref, body in rows]
