"""Operator tasks in the store: the one writer of `operator_tasks` rows and the one recipe for
their ids, so a task asked for twice (a re-run import, a redelivered record) is stored once."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import operator_tasks
from hub.store.upsert import insert_ignore

__all__ = ["NewTask", "add_task", "add_tasks", "close_open_tasks", "complete_task", "task_id"]


@dataclass(frozen=True)
class NewTask:
    """A task to store for one entry; `cause` tells apart tasks of one kind for one entry
    (a review per reporter), and is empty when there is one task per entry and kind."""

    kind: str
    detail: str
    due_at: datetime
    cause: tuple[str, ...] = ()


def task_id(entry_id: str, kind: str, *cause: str) -> str:
    """The task's id, deterministic in what it is for, so the same cause makes the same id."""
    key = "\x1f".join((entry_id, kind, *cause))
    return "task-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def _row(entry_id: str, task: NewTask, now: datetime) -> dict[str, object]:
    return {
        "task_id": task_id(entry_id, task.kind, *task.cause),
        "entry_id": entry_id,
        "kind": task.kind,
        "detail": task.detail,
        "created_at": now,
        "due_at": task.due_at,
    }


def add_task(connection: sa.Connection, entry_id: str, task: NewTask, now: datetime) -> None:
    """Store the task unless its id is stored already (the worker's review flags: one
    statement, no read, since it runs inside a batch's transaction)."""
    insert_ignore(connection, operator_tasks, [_row(entry_id, task, now)])


def add_tasks(
    connection: sa.Connection, entry_id: str, tasks: Sequence[NewTask], now: datetime
) -> list[str]:
    """Store the tasks whose ids are not stored yet; return the kinds the entry had no task of
    before, in the order given."""
    rows = [_row(entry_id, task, now) for task in tasks]
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
    """Mark every open task of the entry done by `by` (cut to the column's 63 characters);
    returns how many were closed."""
    result = connection.execute(
        operator_tasks.update()
        .where(operator_tasks.c.entry_id == entry_id, operator_tasks.c.done_at.is_(None))
        .values(done_at=now, done_by=by[:63])
    )
    return int(result.rowcount)
