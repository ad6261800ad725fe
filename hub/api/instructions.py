"""Instructions and rejects as members and operators see them.

A member sees its own and nothing else; asking for another member's answers 404.
"""

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from hub.api.access import caller, scope_to_member
from hub.api.errors import NotFound
from hub.api.tokens import Principal
from hub.store.errors import reading
from hub.store.instruction_reads import (
    InstructionStatus,
    find_instruction,
    find_instructions,
    find_rejects,
    reject_counts_by_member,
)

router = APIRouter(tags=["instructions"])


class InstructionOut(BaseModel):
    instruction_id: str
    target_member: str
    action: str
    entry_id: str
    list_type: str
    category: str
    issued_at: datetime
    supersedes: str | None
    policy_version: str | None
    sent_at: datetime | None
    ack_status: str | None
    acked_at: datetime | None


class RejectOut(BaseModel):
    reject_id: int
    member_id: str | None
    topic: str
    partition: int
    offset: int
    reason: str
    detail: str
    rejected_at: datetime


@router.get("/instructions", response_model=list[InstructionOut])
def list_instructions(
    request: Request,
    principal: Annotated[Principal, Depends(caller)],
    member: Annotated[str | None, Query(max_length=63)] = None,
    status: InstructionStatus | None = None,
    older_than_s: Annotated[int | None, Query(ge=0, le=10 * 365 * 24 * 3600)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[InstructionOut]:
    """Instructions, newest first; `older_than_s` with status awaiting_ack lists the acks that
    are overdue."""
    target = scope_to_member(principal, member)
    cutoff = None
    if older_than_s is not None:
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    with reading(request.app.state.engine) as connection:
        found = find_instructions(connection, target, status, cutoff, limit)
    return [InstructionOut.model_validate(asdict(i)) for i in found]


@router.get("/instructions/{instruction_id}", response_model=InstructionOut)
def get_instruction(
    request: Request,
    instruction_id: str,
    principal: Annotated[Principal, Depends(caller)],
) -> InstructionOut:
    target = principal.member_id if principal.role == "member" else None
    with reading(request.app.state.engine) as connection:
        found = find_instruction(connection, instruction_id, target)
    if found is None:
        raise NotFound("no instruction has this id")
    return InstructionOut.model_validate(asdict(found))


@router.get("/rejects", response_model=list[RejectOut])
def list_rejects(
    request: Request,
    principal: Annotated[Principal, Depends(caller)],
    member: Annotated[str | None, Query(max_length=63)] = None,
    reason: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[RejectOut]:
    """Rejected records, newest first (without the record itself: it may hold personal data
    and stays on its topic)."""
    owner = scope_to_member(principal, member)
    with reading(request.app.state.engine) as connection:
        found = find_rejects(connection, owner, reason, limit)
    return [RejectOut.model_validate(asdict(r)) for r in found]


@router.get("/rejects/counts")
def reject_counts(
    request: Request,
    principal: Annotated[Principal, Depends(caller)],
) -> list[dict[str, object]]:
    """How many rejects, by member and reason."""
    owner = scope_to_member(principal, None)
    with reading(request.app.state.engine) as connection:
        counts = reject_counts_by_member(connection, owner)
    return [{"member_id": m, "reason": r, "count": n} for m, r, n in counts]
