"""Operator tasks through the API: readers list them (open, due or done), operators mark one
done, through the same function as `alliance-hub lists task-done`."""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from hub.api.access import READERS, may_write, require
from hub.api.errors import NotFound
from hub.api.tokens import Principal
from hub.lists.tasks import complete_task
from hub.store.errors import reading, transaction
from hub.store.task_reads import TaskRecord, TaskState, find_task, find_tasks

__all__ = ["TaskOut", "router", "task_out"]

router = APIRouter(tags=["tasks"])


class TaskOut(BaseModel):
    task_id: str
    entry_id: str
    kind: str
    detail: str
    created_at: datetime
    due_at: datetime
    done_at: datetime | None
    done_by: str | None


def task_out(task: TaskRecord) -> TaskOut:
    return TaskOut.model_validate(asdict(task))


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(
    request: Request,
    _: Annotated[Principal, Depends(require(*READERS))],
    state: TaskState = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[TaskOut]:
    """Operator tasks: `open` and `due` (open, due by now) earliest due first, `done` latest
    done first."""
    with reading(request.app.state.engine) as connection:
        found = find_tasks(connection, state, datetime.now(UTC), limit)
    return [task_out(t) for t in found]


@router.post("/tasks/{task_id}/done", response_model=TaskOut)
def mark_task_done(
    request: Request,
    task_id: Annotated[str, Path(max_length=64)],
    principal: Annotated[Principal, Depends(may_write)],
) -> TaskOut:
    """Mark an open task done, by this token; 404 if no open task has this id (a task done
    already included: done is done once)."""
    actor, now = f"api:{principal.token_id}", datetime.now(UTC)
    with transaction(request.app.state.engine) as connection:
        # The CLI's own function: it records no ledger row; the task row keeps who and when.
        closed = complete_task(connection, task_id, actor, now)
        done = find_task(connection, task_id) if closed else None
    if done is None:
        raise NotFound("no open task has this id")
    return task_out(done)
