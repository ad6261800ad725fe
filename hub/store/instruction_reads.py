"""Reading instructions and rejects for the API: filtered, newest first, as plain records.

The caller decides who may see what (a member only its own) and passes the member to scope to.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from hub.store.schema import instructions, rejects
from hub.store.timestamps import as_utc

__all__ = [
    "InstructionRecord",
    "InstructionStatus",
    "RejectRecord",
    "find_instruction",
    "find_instructions",
    "find_rejects",
    "reject_counts_by_member",
]

InstructionStatus = Literal["unsent", "sent", "awaiting_ack", "acked"]


@dataclass(frozen=True)
class InstructionRecord:
    """An instruction as members and operators see it (its subject stays in the store)."""

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


@dataclass(frozen=True)
class RejectRecord:
    """A rejected record's bookkeeping, without the record itself: it may hold personal
    data and stays on its topic."""

    reject_id: int
    member_id: str | None
    topic: str
    partition: int
    offset: int
    reason: str
    detail: str
    rejected_at: datetime


def _instruction(row: sa.Row[tuple[object, ...]]) -> InstructionRecord:
    m = row._mapping
    return InstructionRecord(
        instruction_id=m["instruction_id"],
        target_member=m["target_member"],
        action=m["action"],
        entry_id=m["entry_id"],
        list_type=m["list_type"],
        category=m["category"],
        issued_at=as_utc(m["issued_at"]),
        supersedes=m["supersedes"],
        policy_version=m["policy_version"],
        sent_at=as_utc(m["sent_at"]) if m["sent_at"] else None,
        ack_status=m["ack_status"],
        acked_at=as_utc(m["acked_at"]) if m["acked_at"] else None,
    )


_STATUS = {
    "unsent": instructions.c.sent_at.is_(None),
    "sent": instructions.c.sent_at.is_not(None),
    "awaiting_ack": sa.and_(
        instructions.c.sent_at.is_not(None), instructions.c.ack_status.is_(None)
    ),
    "acked": instructions.c.ack_status.is_not(None),
}


def find_instructions(
    connection: sa.Connection,
    target: str | None,
    status: InstructionStatus | None,
    issued_by: datetime | None,
    limit: int,
) -> list[InstructionRecord]:
    """Instructions newest first, optionally for one member, in one status, issued no later
    than `issued_by`."""
    query = sa.select(instructions).order_by(
        instructions.c.issued_at.desc(), instructions.c.instruction_id
    )
    if target is not None:
        query = query.where(instructions.c.target_member == target)
    if status is not None:
        query = query.where(_STATUS[status])
    if issued_by is not None:
        query = query.where(instructions.c.issued_at <= issued_by)
    return [_instruction(r) for r in connection.execute(query.limit(limit))]


def find_instruction(
    connection: sa.Connection, instruction_id: str, target: str | None
) -> InstructionRecord | None:
    """One instruction by id; with `target`, only if it is addressed to that member."""
    query = sa.select(instructions).where(instructions.c.instruction_id == instruction_id)
    if target is not None:
        query = query.where(instructions.c.target_member == target)
    row = connection.execute(query).one_or_none()
    return None if row is None else _instruction(row)


def find_rejects(
    connection: sa.Connection, owner: str | None, reason: str | None, limit: int
) -> list[RejectRecord]:
    """Rejects newest first, optionally of one member and for one reason."""
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
    if owner is not None:
        query = query.where(rejects.c.member_id == owner)
    if reason is not None:
        query = query.where(rejects.c.reason == reason)
    rows = connection.execute(query.limit(limit)).all()
    return [
        RejectRecord(
            reject_id=r.reject_id,
            member_id=r.member_id,
            topic=r.topic,
            partition=r.partition,
            offset=r.offset,
            reason=r.reason,
            detail=r.detail,
            rejected_at=as_utc(r.rejected_at),
        )
        for r in rows
    ]


def reject_counts_by_member(
    connection: sa.Connection, owner: str | None
) -> list[tuple[str | None, str, int]]:
    """(member, reason, count) of rejects, by member then reason; optionally one member's."""
    query = (
        sa.select(rejects.c.member_id, rejects.c.reason, sa.func.count().label("count"))
        .group_by(rejects.c.member_id, rejects.c.reason)
        .order_by(rejects.c.member_id, rejects.c.reason)
    )
    if owner is not None:
        query = query.where(rejects.c.member_id == owner)
    return [(r.member_id, r.reason, int(r._mapping["count"])) for r in connection.execute(query)]
