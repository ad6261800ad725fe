"""Reading operator tasks for the API: open, due (open and past their due time) or done, and
one entry's tasks. Writing them is hub.store.operator_tasks' business."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from hub.store.schema import operator_tasks
from hub.store.timestamps import as_utc

__all__ = ["TaskRecord", "TaskState", "find_task", "find_tasks", "tasks_of_entry"]

TaskState = Literal["open", "due", "done"]


@dataclass(frozen=True)
class TaskRecord:
    """An operator task as stored; done_at and done_by are None while it is open."""

    task_id: str
    entry_id: str
    kind: str
    detail: str
    created_at: datetime
    due_at: datetime
    done_at: datetime | None
    done_by: str | None


def _task(row: sa.Row[tuple[object, ...]]) -> TaskRecord:
    m = row._mapping
    done = m["done_at"]
    return TaskRecord(
        task_id=m["task_id"],
        entry_id=m["entry_id"],
        kind=m["kind"],
        detail=m["detail"],
        created_at=as_utc(m["created_at"]),
        due_at=as_utc(m["due_at"]),
        done_at=as_utc(done) if done is not None else None,
        done_by=m["done_by"],
    )


def find_tasks(
    connection: sa.Connection, state: TaskState, now: datetime, limit: int
) -> list[TaskRecord]:
    """At most `limit` tasks in `state`: open and due ones earliest due first (as the CLI
    lists them), done ones latest done first."""
    t = operator_tasks.c
    query = sa.select(operator_tasks)
    if state == "done":
        query = query.where(t.done_at.is_not(None)).order_by(t.done_at.desc(), t.task_id)
    else:
        query = query.where(t.done_at.is_(None)).order_by(t.due_at, t.entry_id, t.kind)
        if state == "due":
            query = query.where(t.due_at <= now)
    return [_task(r) for r in connection.execute(query.limit(limit))]


def find_task(connection: sa.Connection, task_id: str) -> TaskRecord | None:
    """The task with this id, open or done; None if there is none."""
    row = connection.execute(
        sa.select(operator_tasks).where(operator_tasks.c.task_id == task_id)
    ).one_or_none()
    return None if row is None else _task(row)


def tasks_of_entry(connection: sa.Connection, entry_id: str) -> list[TaskRecord]:
    """Every task of the entry, open or done, earliest due first."""
    t = operator_tasks.c
    rows = connection.execute(
        sa.select(operator_tasks).where(t.entry_id == entry_id).order_by(t.due_at, t.kind)
    )
    return [_task(r) for r in rows]
