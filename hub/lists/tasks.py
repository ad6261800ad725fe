"""Operator tasks: what the notice asks of people once a subject is overdue (§5), kept with
due dates so none is silently dropped. Ids are deterministic: one task per entry and kind."""

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance_connector.messages import ListType
from hub.store.schema import operator_tasks
from hub.store.upsert import insert_ignore

__all__ = [
    "OVERDUE_TASKS",
    "close_open_tasks",
    "complete_task",
    "open_overdue_tasks",
    "task_id",
]

# (kind, days to do it, what to do). Blacklisted subjects get all three (§5 一, 二, 四);
# watch-listed ones are only published (§5 四).
OVERDUE_TASKS: dict[ListType, list[tuple[str, int, str]]] = {
    ListType.BLACKLIST: [
        ("NOTIFY_REGULATOR", 5, "通报相关主管部门：逾期未整改"),
        ("INTERVIEW_PRINCIPAL", 10, "约谈主要负责人"),
        ("PUBLISH_CREDIT_WEBSITE", 15, "在地方信用网站公示"),
    ],
    ListType.WATCHLIST: [
        ("PUBLISH_CREDIT_WEBSITE", 15, "在地方信用网站公示"),
    ],
}


def task_id(entry_id: str, kind: str) -> str:
    return "task-" + hashlib.sha256(f"{entry_id}\x1f{kind}".encode()).hexdigest()[:40]


def open_overdue_tasks(
    connection: sa.Connection, entry_id: str, list_type: ListType, now: datetime
) -> list[str]:
    """Create the entry's overdue tasks not created yet; return the kinds created."""
    rows = [
        {
            "task_id": task_id(entry_id, kind),
            "entry_id": entry_id,
            "kind": kind,
            "detail": what,
            "created_at": now,
            "due_at": now + timedelta(days=days),
        }
        for kind, days, what in OVERDUE_TASKS[list_type]
    ]
    existing = set(
        connection.scalars(
            sa.select(operator_tasks.c.kind).where(operator_tasks.c.entry_id == entry_id)
        )
    )
    insert_ignore(connection, operator_tasks, rows)
    return [str(row["kind"]) for row in rows if row["kind"] not in existing]


def complete_task(connection: sa.Connection, task: str, by: str, now: datetime) -> bool:
    """Mark a task done; False if there is no such open task."""
    result = connection.execute(
        operator_tasks.update()
        .where(operator_tasks.c.task_id == task, operator_tasks.c.done_at.is_(None))
        .values(done_at=now, done_by=by)
    )
    return bool(result.rowcount)


def close_open_tasks(connection: sa.Connection, entry_id: str, by: str, now: datetime) -> int:
    """Close the entry's open tasks once it is rectified or delisted: they have no object left
    (an interview about a subject already off the list). Returns how many were closed."""
    result = connection.execute(
        operator_tasks.update()
        .where(operator_tasks.c.entry_id == entry_id, operator_tasks.c.done_at.is_(None))
        .values(done_at=now, done_by=by[:63])
    )
    return int(result.rowcount)
