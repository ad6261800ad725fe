"""Deciding the instructions a subject cluster calls for, with deterministic ids.

An instruction id is a hash of (list entry, target member, action): the same cause and target
always give the same id, so re-running the same input — after a crash, or on another worker —
finds the instruction already stored and issues nothing new, and members recognise replays.
"""

import hashlib
import json
from collections.abc import Mapping
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

__all__ = ["NewInstruction", "instruction_id", "issue_for_clusters"]


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


def issue_for_clusters(
    connection: sa.Connection,
    triggers: Mapping[str, tuple[str, datetime]],
    now: datetime,
) -> list[NewInstruction]:
    """Store every instruction these clusters' matches call for that is not stored yet.

    `triggers` maps each cluster to the signal (id, record time) that touched it in this batch.
    """
    matches = matching_entries(connection, triggers.keys())
    if not matches:
        return []
    presence = presence_by_member(connection, matches.keys())
    public = public_identifiers(connection, matches.keys())
    candidates: list[tuple[NewInstruction, dict[str, object]]] = []
    for cluster, entries in sorted(matches.items()):
        trigger_ref, trigger_at = triggers[cluster]
        for member, known in presence.get(cluster, {}).items():
            subject = sorted({*known, *public.get(cluster, [])}, key=lambda i: (i.scheme, i.value))
            for entry in entries:
                for action in actions_for(entry.list_type, {i.scheme for i in known}):
                    new = NewInstruction(
                        instruction_id(entry.entry_id, member, action), member, action, entry
                    )
                    row = {
                        "instruction_id": new.instruction_id,
                        "target_member": member,
                        "action": str(action),
                        "subject": _subject_json(subject),
                        "entry_id": entry.entry_id,
                        "list_type": str(entry.list_type),
                        "category": str(entry.category),
                        "legal_basis": LEGAL_BASIS,
                        "issued_at": now,
                        "trigger_ref": trigger_ref,
                        "trigger_at": trigger_at,
                    }
                    candidates.append((new, row))
    ids = [new.instruction_id for new, _ in candidates]
    existing: set[str] = set()
    for start in range(0, len(ids), 500):
        existing.update(
            connection.scalars(
                sa.select(instructions.c.instruction_id).where(
                    instructions.c.instruction_id.in_(ids[start : start + 500])
                )
            )
        )
    fresh = {
        new.instruction_id: (new, row)
        for new, row in candidates
        if new.instruction_id not in existing
    }
    insert_ignore(connection, instructions, [row for _, row in fresh.values()])
    return [new for new, _ in fresh.values()]
