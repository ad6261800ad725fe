"""Instructions and rejects as members and operators see them.

A member sees its own and nothing else; asking for another member's answers 404.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from hub.api.access import caller, scope_to_member
from hub.api.errors import NotFound
from hub.api.tokens import Principal
from hub.store.schema import instructions, rejects
from hub.store.timestamps import as_utc

router = APIRouter(tags=["instructions"])

Status = Literal["unsent", "sent", "awaiting_ack", "acked"]


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


def _instruction(row: sa.Row[tuple[object, ...]]) -> InstructionOut:
    m = dict(row._mapping)
    for key in ("issued_at", "sent_at", "acked_at"):
        m[key] = as_utc(m[key]) if m[key] else None
    return InstructionOut.model_validate(m)


_STATUS = {
    "unsent": instructions.c.sent_at.is_(None),
    "sent": instructions.c.sent_at.is_not(None),
    "awaiting_ack": sa.and_(
        instructions.c.sent_at.is_not(None), instructions.c.ack_status.is_(None)
    ),
    "acked": instructions.c.ack_status.is_not(None),
}


@router.get("/instructions", response_model=list[InstructionOut])
def list_instructions(
    request: Request,
    principal: Annotated[Principal, Depends(caller)],
    member: Annotated[str | None, Query(max_length=63)] = None,
    status: Status | None = None,
    older_than_s: Annotated[int | None, Query(ge=0, le=10 * 365 * 24 * 3600)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[InstructionOut]:
    """Instructions, newest first; `older_than_s` with status awaiting_ack lists the acks that
    are overdue."""
    query = sa.select(instructions).order_by(
        instructions.c.issued_at.desc(), instructions.c.instruction_id
    )
    target = scope_to_member(principal, member)
    if target is not None:
        query = query.where(instructions.c.target_member == target)
    if status is not None:
        query = query.where(_STATUS[status])
    if older_than_s is not None:
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
        query = query.where(instructions.c.issued_at <= cutoff)
    with request.app.state.engine.connect() as connection:
        return [_instruction(r) for r in connection.execute(query.limit(limit))]


@router.get("/instructions/{instruction_id}", response_model=InstructionOut)
def get_instruction(
    request: Request,
    instruction_id: str,
    principal: Annotated[Principal, Depends(caller)],
) -> InstructionOut:
    query = sa.select(instructions).where(instructions.c.instruction_id == instruction_id)
    if principal.role == "member":
        query = query.where(instructions.c.target_member == principal.member_id)
    with request.app.state.engine.connect() as connection:
        row = connection.execute(query).one_or_none()
    if row is None:
        raise NotFound("no instruction has this id")
    return _instruction(row)


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
    query = sa.select(
        rejects.c.reject_id,
        rejects.c.member_id,
        rejects.c.topic,
        rejects.c.partition,
        rejects.c.offset,
        rejects.c.reason,
        rejects.c.detail,
        rejects.c.rejected_at,
    ).order_by(rejects.c.reject_id.desc())
    owner = scope_to_member(principal, member)
    if owner is not None:
        query = query.where(rejects.c.member_id == owner)
    if reason is not None:
        query = query.where(rejects.c.reason == reason)
    with request.app.state.engine.connect() as connection:
        rows = connection.execute(query.limit(limit)).all()
    return [
        RejectOut.model_validate(dict(r._mapping) | {"rejected_at": as_utc(r.rejected_at)})
        for r in rows
    ]


@router.get("/rejects/counts")
def reject_counts(
    request: Request,
    principal: Annotated[Principal, Depends(caller)],
) -> list[dict[str, object]]:
    """How many rejects, by member and reason."""
    query = (
        sa.select(rejects.c.member_id, rejects.c.reason, sa.func.count().label("count"))
        .group_by(rejects.c.member_id, rejects.c.reason)
        .order_by(rejects.c.member_id, rejects.c.reason)
    )
    owner = scope_to_member(principal, None)
    if owner is not None:
        query = query.where(rejects.c.member_id == owner)
    with request.app.state.engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]
