"""Deciding the instructions a subject cluster calls for, with deterministic ids.

An instruction id is a hash of (list entry, target member, action): the same cause and target
always give the same id, so re-running the same input — after a crash, or on another worker —
finds the instruction already stored and issues nothing new, and members recognise replays.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier
from alliance_connector.messages import SanctionAction
from hub.pipeline.matching import (
    EntryMatch,
    matching_entries,
    presence_by_member,
    public_identifiers,
)
from hub.policy.default import LEGAL_BASIS, actions_for
from hub.store.schema import instructions
from hub.store.upsert import insert_ignore

__all__ = ["NewInstruction", "instruction_id", "issue_for_cluster"]


def instruction_id(entry_id: str, target: str, action: SanctionAction) -> str:
    """The deterministic id of the instruction (entry, target, action)."""
    digest = hashlib.sha256(f"{entry_id}\x1f{target}\x1f{action}".encode()).hexdigest()
    return f"ins-{digest[:40]}"


@dataclass(frozen=True)
class NewInstruction:
    instruction_id: str
    target_member: str
    action: SanctionAction
    entry: EntryMatch


def _subject_json(identifiers: list[Identifier]) -> str:
    return json.dumps([{"scheme": str(i.scheme), "value": i.value} for i in identifiers])


def issue_for_cluster(
    connection: sa.Connection,
    cluster: str,
    now: datetime,
    trigger_ref: str | None,
    trigger_at: datetime | None,
) -> list[NewInstruction]:
    """Store every instruction the cluster's matches call for that is not stored yet."""
    entries = matching_entries(connection, cluster)
    if not entries:
        return []
    public = public_identifiers(connection, cluster)
    candidates = []
    for member, known in presence_by_member(connection, cluster).items():
        subject = sorted({*known, *public}, key=lambda i: (i.scheme, i.value))
        for entry in entries:
            for action in actions_for(entry.list_type, {i.scheme for i in known}):
                candidates.append(
                    (
                        NewInstruction(
                            instruction_id(entry.entry_id, member, action), member, action, entry
                        ),
                        subject,
                    )
                )
    rows = [
        {
            "instruction_id": new.instruction_id,
            "target_member": new.target_member,
            "action": str(new.action),
            "subject": _subject_json(subject),
            "entry_id": new.entry.entry_id,
            "list_type": str(new.entry.list_type),
            "category": str(new.entry.category),
            "legal_basis": LEGAL_BASIS,
            "issued_at": now,
            "trigger_ref": trigger_ref,
            "trigger_at": trigger_at,
        }
        for new, subject in candidates
    ]
    existing = set(
        connection.scalars(
            sa.select(instructions.c.instruction_id).where(
                instructions.c.instruction_id.in_([r["instruction_id"] for r in rows])
            )
        )
    )
    fresh = [r for r in rows if r["instruction_id"] not in existing]
    insert_ignore(connection, instructions, fresh)
    issued = {r["instruction_id"] for r in fresh}
    return [new for new, _ in candidates if new.instruction_id in issued]
