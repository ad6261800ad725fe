"""List entries through the API: operators move them along their lifecycle."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from hub.api.access import may_write
from hub.api.tokens import Principal
from hub.lists.lifecycle import move
from hub.lists.model import ListStatus

router = APIRouter(tags=["lists"])


class TransitionIn(BaseModel):
    status: ListStatus
    reason: str = Field(min_length=1, max_length=2000)


class TransitionOut(BaseModel):
    entry_id: str
    before: ListStatus
    after: ListStatus
    instructions_issued: int
    instructions_lifted: int
    tasks: list[str]


@router.post("/lists/entries/{entry_id}/status", response_model=TransitionOut)
def change_entry_status(
    request: Request,
    entry_id: str,
    body: TransitionIn,
    principal: Annotated[Principal, Depends(may_write)],
) -> TransitionOut:
    """Move an entry (NOTIFIED, COMMITTED, RECTIFIED, DELISTED, ESCALATED, …); 409 if its
    lifecycle does not allow it."""
    actor = f"api:{principal.token_id}"
    with request.app.state.engine.begin() as connection:
        moved = move(
            connection,
            entry_id,
            body.status,
            actor,
            body.reason,
            request.app.state.policy,
            datetime.now(UTC),
        )
    return TransitionOut(
        entry_id=entry_id,
        before=moved.transition.before,
        after=moved.transition.after,
        instructions_issued=len(moved.issued),
        instructions_lifted=len(moved.lifted),
        tasks=moved.tasks,
    )
