"""Acknowledgements in the store: the state of the instructions a batch's acks name, the
claims already kept for them, and the writes of applied acks and kept claims
(hub.pipeline.acks judges them)."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.store.schema import ack_claims, instructions
from hub.store.timestamps import as_utc

__all__ = ["AckedInstruction", "acked_instructions", "apply_acks", "claims_of", "insert_claims"]


@dataclass(frozen=True)
class AckedInstruction:
    """What an ack is judged against: its instruction's target and how far it has gone."""

    instruction_id: str
    target_member: str
    not_before: datetime  # sent_at, or issued_at while the instruction is not marked sent
    final: bool  # an ack was applied


def acked_instructions(connection: sa.Connection, ids: Sequence[str]) -> list[AckedInstruction]:
    """The stored instructions among these ids."""
    rows = connection.execute(
        sa.select(
            instructions.c.instruction_id,
            instructions.c.target_member,
            instructions.c.issued_at,
            instructions.c.sent_at,
            instructions.c.ack_status,
        ).where(instructions.c.instruction_id.in_(ids))
    )
    return [
        AckedInstruction(
            r.instruction_id,
            r.target_member,
            as_utc(r.sent_at or r.issued_at),
            r.ack_status is not None,
        )
        for r in rows
    ]


def claims_of(connection: sa.Connection, ids: Collection[str]) -> list[tuple[str, str]]:
    """(instruction id, claim digest) of every claim kept for these instructions."""
    rows = connection.execute(
        sa.select(ack_claims.c.instruction_id, ack_claims.c.claim_digest).where(
            ack_claims.c.instruction_id.in_(sorted(ids))
        )
    )
    return [(instruction_id, digest) for instruction_id, digest in rows]


def apply_acks(connection: sa.Connection, updates: Sequence[Mapping[str, object]]) -> None:
    """Copy applied acks into their instructions; each update names id, status, at, note."""
    if not updates:
        return
    connection.execute(
        instructions.update()
        .where(instructions.c.instruction_id == sa.bindparam("id"))
        .values(
            ack_status=sa.bindparam("status"),
            acked_at=sa.bindparam("at"),
            ack_note=sa.bindparam("note"),
        ),
        updates,
    )


def insert_claims(connection: sa.Connection, rows: Sequence[Mapping[str, object]]) -> None:
    """Keep these ack_claims rows."""
    if rows:
        connection.execute(ack_claims.insert(), rows)
