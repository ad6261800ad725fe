"""Counts the dashboard, /metrics and reports read from the store, each one query."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import accepted_signals, instructions, list_entries, rejects

__all__ = [
    "LATENCY_BUCKETS_S",
    "ack_counts",
    "instruction_counts",
    "latency_buckets",
    "list_status_counts",
    "pending_acks",
    "reject_counts",
    "signal_counts",
]

# Signal-to-instruction latency buckets (seconds), upper bounds, Prometheus style.
LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def signal_counts(connection: sa.Connection) -> dict[tuple[str, str], int]:
    """(reporter, category) -> accepted signals."""
    rows = connection.execute(
        sa.select(
            accepted_signals.c.reporter, accepted_signals.c.category, sa.func.count()
        ).group_by(accepted_signals.c.reporter, accepted_signals.c.category)
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}


def reject_counts(connection: sa.Connection) -> dict[tuple[str, str], int]:
    """(member or "", reason) -> rejects."""
    rows = connection.execute(
        sa.select(rejects.c.member_id, rejects.c.reason, sa.func.count()).group_by(
            rejects.c.member_id, rejects.c.reason
        )
    )
    return {(r[0] or "", r[1]): int(r[2]) for r in rows}


def instruction_counts(connection: sa.Connection) -> dict[tuple[str, str, bool], int]:
    """(target member, action, sent?) -> instructions."""
    sent = instructions.c.sent_at.is_not(None)
    rows = connection.execute(
        sa.select(
            instructions.c.target_member, instructions.c.action, sent, sa.func.count()
        ).group_by(instructions.c.target_member, instructions.c.action, sent)
    )
    return {(r[0], r[1], bool(r[2])): int(r[3]) for r in rows}


def ack_counts(connection: sa.Connection) -> dict[tuple[str, str], int]:
    """(member, ack status) -> acknowledged instructions."""
    rows = connection.execute(
        sa.select(instructions.c.target_member, instructions.c.ack_status, sa.func.count())
        .where(instructions.c.ack_status.is_not(None))
        .group_by(instructions.c.target_member, instructions.c.ack_status)
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}


def list_status_counts(connection: sa.Connection) -> dict[tuple[str, str], int]:
    """(list type, status) -> entries."""
    rows = connection.execute(
        sa.select(list_entries.c.list_type, list_entries.c.status, sa.func.count()).group_by(
            list_entries.c.list_type, list_entries.c.status
        )
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}


def pending_acks(connection: sa.Connection, overdue_before: datetime) -> list[tuple[str, int, int]]:
    """(member, sent instructions awaiting its ack, of them sent before `overdue_before`), by
    member."""
    awaiting = sa.and_(instructions.c.sent_at.is_not(None), instructions.c.ack_status.is_(None))
    overdue = sa.case((instructions.c.sent_at < overdue_before, 1), else_=0)
    rows = connection.execute(
        sa.select(instructions.c.target_member, sa.func.count(), sa.func.sum(overdue))
        .where(awaiting)
        .group_by(instructions.c.target_member)
        .order_by(instructions.c.target_member)
    ).all()
    return [(m, int(n), int(late or 0)) for m, n, late in rows]


def _seconds_between(
    later: sa.ColumnElement[object], earlier: sa.ColumnElement[object], dialect: str
) -> sa.ColumnElement[float]:
    if dialect == "sqlite":
        return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0
    return sa.cast(sa.extract("epoch", later - earlier), sa.Float)


def latency_buckets(
    connection: sa.Connection, bounds: Sequence[float] = LATENCY_BUCKETS_S
) -> tuple[list[int], int, float]:
    """Delivered instructions caused by a signal, by signal-to-delivery latency: cumulative
    counts per bucket bound, the total, and the sum of latencies in seconds."""
    latency = _seconds_between(
        instructions.c.sent_at, instructions.c.trigger_at, connection.dialect.name
    )
    columns = [sa.func.sum(sa.case((latency <= bound, 1), else_=0)) for bound in bounds]
    row = connection.execute(
        sa.select(*columns, sa.func.count(), sa.func.sum(latency))
        .where(instructions.c.sent_at.is_not(None))
        .where(instructions.c.trigger_at.is_not(None))
        .where(instructions.c.trigger_ref.not_like("transition:%"))
        .where(instructions.c.trigger_ref.not_like("import:%"))
    ).one()
    counts = [int(value or 0) for value in row[: len(bounds)]]
    return counts, int(row[len(bounds)] or 0), float(row[len(bounds) + 1] or 0.0)
