"""Instructions in the store, as hub.sanctions.instructions issues and lifts them: which are
stored already, the active ones of an entry, the inserts, and the operator task a flagged
signal asks for. Rows are built by the caller; a row names the `instructions` columns.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.messages import SanctionAction
from hub.store.schema import instructions
from hub.store.upsert import insert_ignore

__all__ = [
    "ActiveInstruction",
    "InstructionSummary",
    "active_instructions",
    "insert_instructions",
    "instructions_of_entries",
    "stored_instruction_ids",
]


@dataclass(frozen=True)
class ActiveInstruction:
    """A stored instruction not lifted yet (and not itself a LIFT), as a LIFT needs it."""

    instruction_id: str
    target_member: str
    action: str
    scope: str
    subject: str  # JSON, copied into the LIFT
    trigger_ref: str | None  # for a reporter-scoped one, the signal it followed


@dataclass(frozen=True)
class InstructionSummary:
    """An instruction as the subject view lists it (the stored text)."""

    instruction_id: str
    target_member: str
    action: str
    entry_id: str
    issued_at: datetime
    ack_status: str | None


def stored_instruction_ids(connection: sa.Connection, ids: Collection[str]) -> set[str]:
    """Those of these instruction ids that are stored already."""
    return set(
        connection.scalars(
            sa.select(instructions.c.instruction_id).where(
                instructions.c.instruction_id.in_(sorted(ids))
            )
        )
    )


def insert_instructions(connection: sa.Connection, rows: Sequence[Mapping[str, object]]) -> None:
    """Store these instruction rows; one whose id is stored already is left as it is."""
    insert_ignore(connection, instructions, rows)


def active_instructions(connection: sa.Connection, entry_id: str) -> list[ActiveInstruction]:
    """The entry's instructions that are neither a LIFT nor lifted, by id."""
    lifted_ids = sa.select(instructions.c.supersedes).where(
        instructions.c.entry_id == entry_id, instructions.c.supersedes.is_not(None)
    )
    rows = connection.execute(
        sa.select(instructions)
        .where(instructions.c.entry_id == entry_id)
        .where(instructions.c.action != str(SanctionAction.LIFT))
        .where(instructions.c.instruction_id.not_in(lifted_ids))
        .order_by(instructions.c.instruction_id)
    ).all()
    return [
        ActiveInstruction(
            r.instruction_id, r.target_member, r.action, r.scope, r.subject, r.trigger_ref
        )
        for r in rows
    ]


def instructions_of_entries(
    connection: sa.Connection, entry_ids: Collection[str]
) -> list[InstructionSummary]:
    """Every instruction issued for these entries, oldest first."""
    rows = connection.execute(
        sa.select(
            instructions.c.instruction_id,
            instructions.c.target_member,
            instructions.c.action,
            instructions.c.entry_id,
            instructions.c.issued_at,
            instructions.c.ack_status,
        )
        .where(instructions.c.entry_id.in_(list(entry_ids)))
        .order_by(instructions.c.issued_at)
    )
    return [
        InstructionSummary(
            r.instruction_id, r.target_member, r.action, r.entry_id, r.issued_at, r.ack_status
        )
        for r in rows
    ]
