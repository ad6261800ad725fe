"""Operator tasks: what the notice asks of people once a subject is overdue (§5), kept with
due dates so none is silently dropped. Ids are deterministic: one task per entry and kind."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance_connector.messages import ListType
from hub.store import operator_tasks
from hub.store.operator_tasks import NewTask, add_tasks

__all__ = [
    "OVERDUE_TASKS",
    "close_open_tasks",
    "complete_task",
    "open_overdue_tasks",
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


def open_overdue_tasks(
    connection: sa.Connection, entry_id: str, list_type: ListType, now: datetime
) -> list[str]:
    """Create the entry's overdue tasks not created yet; return the kinds created."""
    tasks = [
        NewTask(kind, what, now + timedelta(days=days))
        for kind, days, what in OVERDUE_TASKS[list_type]
    ]
    return add_tasks(connection, entry_id, tasks, now)


def complete_task(connection: sa.Connection, task: str, by: str, now: datetime) -> bool:
    """Mark a task done; False if there is no such open task."""
    return operator_tasks.complete_task(connection, task, by, now)


def close_open_tasks(connection: sa.Connection, entry_id: str, by: str, now: datetime) -> int:
    """Close the entry's open tasks once it is rectified or delisted: they have no object left
    (an interview about a subject already off the list). Returns how many were closed."""
    return operator_tasks.close_open_tasks(connection, entry_id, by, now)
