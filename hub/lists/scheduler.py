"""The deadline scheduler: entries still in rectification when their deadline passes become
OVERDUE, which brings escalation instructions (through the same outbox) and operator tasks.

It takes `now` from its caller, so tests move time forward instead of waiting, and each run
is idempotent: an entry already OVERDUE is not due again.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hub.errors import IllegalTransition
from hub.lists.lifecycle import Moved, move
from hub.lists.model import RECTIFYING_STATUSES, ListStatus
from hub.policy.rules import Policy
from hub.store.schema import list_entries

__all__ = ["SCHEDULER_ACTOR", "SchedulerRun", "due_entries", "run_due"]

SCHEDULER_ACTOR = "scheduler"


@dataclass
class SchedulerRun:
    overdue: list[Moved] = field(default_factory=list)

    @property
    def instructions(self) -> int:
        return sum(len(m.issued) + len(m.lifted) for m in self.overdue)


def due_entries(connection: sa.Connection, now: datetime, limit: int = 1000) -> list[str]:
    """Entries in rectification whose deadline has passed, oldest deadline first."""
    return list(
        connection.scalars(
            sa.select(list_entries.c.entry_id)
            .where(list_entries.c.status.in_(sorted(RECTIFYING_STATUSES)))
            .where(list_entries.c.rectification_deadline <= now)
            .order_by(list_entries.c.rectification_deadline, list_entries.c.entry_id)
            .limit(limit)
        )
    )


def run_due(engine: sa.Engine, policy: Policy, now: datetime) -> SchedulerRun:
    """Turn every due entry OVERDUE, one transaction per entry (a fault with one entry does
    not hold back the others, and a long backlog never holds the ledger lock for long)."""
    run = SchedulerRun()
    with engine.connect() as connection:
        due = due_entries(connection, now)
    reason = f"rectification deadline passed ({now.isoformat(timespec='seconds')})"
    for entry_id in due:
        try:
            with engine.begin() as connection:
                moved = move(
                    connection, entry_id, ListStatus.OVERDUE, SCHEDULER_ACTOR, reason, policy, now
                )
        except IllegalTransition:
            continue  # an operator moved it (rectified, delisted) since it was read
        run.overdue.append(moved)
    return run
