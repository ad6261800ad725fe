"""Objections (异议) in the store: the one writer of `objections` rows, their reads, and the
pauses they put on an entry's sanctions (what hub.sanctions.pauses asks for every batch).

A caller holds the ledger's lock (hub.ledger.chain.lock_head) before it writes here, so an
objection read as OPEN is still OPEN when it is decided.
"""

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hub.domain.objections import ObjectionState, UpheldOutcome
from hub.store.schema import instructions, objections

__all__ = [
    "EntryPauses",
    "ObjectionRecord",
    "decide_objection",
    "find_objections",
    "insert_objection",
    "instruction_entry",
    "mark_overdue",
    "objection_of",
    "overdue_objections",
    "pauses_of",
]


@dataclass(frozen=True)
class ObjectionRecord:
    objection_id: str
    entry_id: str
    instruction_id: str | None
    filed_by: str
    grounds_kind: str
    grounds: str
    attachments: tuple[str, ...]
    paused: tuple[str, ...]
    state: ObjectionState
    filed_at: datetime
    due_at: datetime
    overdue_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    outcome: UpheldOutcome | None
    decision_reason: str | None


def _record(row: sa.Row[tuple[object, ...]]) -> ObjectionRecord:
    m = row._mapping
    return ObjectionRecord(
        objection_id=m["objection_id"],
        entry_id=m["entry_id"],
        instruction_id=m["instruction_id"],
        filed_by=m["filed_by"],
        grounds_kind=m["grounds_kind"],
        grounds=m["grounds"],
        attachments=tuple(json.loads(m["attachments"])),
        paused=tuple(json.loads(m["paused"])),
        state=ObjectionState(m["state"]),
        filed_at=m["filed_at"],
        due_at=m["due_at"],
        overdue_at=m["overdue_at"],
        decided_at=m["decided_at"],
        decided_by=m["decided_by"],
        outcome=UpheldOutcome(m["outcome"]) if m["outcome"] else None,
        decision_reason=m["decision_reason"],
    )


def insert_objection(connection: sa.Connection, record: ObjectionRecord) -> None:
    """Store a newly filed objection."""
    connection.execute(
        objections.insert().values(
            objection_id=record.objection_id,
            entry_id=record.entry_id,
            instruction_id=record.instruction_id,
            filed_by=record.filed_by,
            grounds_kind=record.grounds_kind,
            grounds=record.grounds,
            attachments=json.dumps(list(record.attachments)),
            paused=json.dumps(list(record.paused)),
            state=str(record.state),
            filed_at=record.filed_at,
            due_at=record.due_at,
        )
    )


def objection_of(connection: sa.Connection, objection_id: str) -> ObjectionRecord | None:
    row = connection.execute(
        sa.select(objections).where(objections.c.objection_id == objection_id)
    ).one_or_none()
    return None if row is None else _record(row)


def find_objections(
    connection: sa.Connection,
    state: ObjectionState | None = None,
    entry_id: str | None = None,
    filed_by: str | None = None,
    limit: int = 200,
) -> list[ObjectionRecord]:
    """Objections, newest first, filtered by what is given."""
    query = sa.select(objections).order_by(objections.c.filed_at.desc(), objections.c.objection_id)
    if state is not None:
        query = query.where(objections.c.state == str(state))
    if entry_id is not None:
        query = query.where(objections.c.entry_id == entry_id)
    if filed_by is not None:
        query = query.where(objections.c.filed_by == filed_by)
    return [_record(r) for r in connection.execute(query.limit(limit))]


def decide_objection(
    connection: sa.Connection,
    objection_id: str,
    state: ObjectionState,
    outcome: UpheldOutcome | None,
    by: str,
    reason: str,
    now: datetime,
) -> bool:
    """Record the decision on an OPEN objection; False if it is not open."""
    result = connection.execute(
        objections.update()
        .where(
            objections.c.objection_id == objection_id,
            objections.c.state == str(ObjectionState.OPEN),
        )
        .values(
            state=str(state),
            outcome=str(outcome) if outcome else None,
            decided_at=now,
            decided_by=by[:63],
            decision_reason=reason,
        )
    )
    return bool(result.rowcount)


def overdue_objections(connection: sa.Connection, now: datetime) -> list[ObjectionRecord]:
    """OPEN objections past their due date whose operator task is not opened yet."""
    rows = connection.execute(
        sa.select(objections)
        .where(
            objections.c.state == str(ObjectionState.OPEN),
            objections.c.due_at <= now,
            objections.c.overdue_at.is_(None),
        )
        .order_by(objections.c.due_at, objections.c.objection_id)
    )
    return [_record(r) for r in rows]


def mark_overdue(connection: sa.Connection, objection_id: str, now: datetime) -> bool:
    result = connection.execute(
        objections.update()
        .where(objections.c.objection_id == objection_id, objections.c.overdue_at.is_(None))
        .values(overdue_at=now)
    )
    return bool(result.rowcount)


def instruction_entry(connection: sa.Connection, instruction_id: str) -> str | None:
    """The entry an instruction was issued for, None if there is no such instruction."""
    found = connection.scalar(
        sa.select(instructions.c.entry_id).where(instructions.c.instruction_id == instruction_id)
    )
    return None if found is None else str(found)


@dataclass(frozen=True)
class EntryPauses:
    """What objections do to one entry's sanctions now: the actions paused by an OPEN
    objection; for each action paused by an objection since decided and not delisting, the
    last such objection (its id makes the resumed instruction's id new); and the (member,
    action) of each instruction an objection upheld as CORRECTED named: wrong, never again
    while the entry stands."""

    paused: frozenset[str] = frozenset()
    resumed: dict[str, str] = field(default_factory=dict)
    struck: frozenset[tuple[str, str]] = frozenset()


def pauses_of(connection: sa.Connection, entry_ids: Collection[str]) -> dict[str, EntryPauses]:
    """The pauses of those of these entries that have any objection."""
    if not entry_ids:
        return {}
    named = instructions.alias("named")
    rows = connection.execute(
        sa.select(
            objections.c.objection_id,
            objections.c.entry_id,
            objections.c.paused,
            objections.c.state,
            objections.c.outcome,
            named.c.target_member,
            named.c.action,
        )
        .outerjoin(named, named.c.instruction_id == objections.c.instruction_id)
        .where(objections.c.entry_id.in_(sorted(entry_ids)))
        .order_by(objections.c.decided_at, objections.c.objection_id)
    ).all()
    paused: dict[str, set[str]] = {}
    resumed: dict[str, dict[str, str]] = {}
    struck: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        actions = json.loads(str(row.paused))
        entry = str(row.entry_id)
        paused.setdefault(entry, set())
        resumed.setdefault(entry, {})
        struck.setdefault(entry, set())
        if row.state == str(ObjectionState.OPEN):
            paused[entry].update(actions)
        elif row.outcome != str(UpheldOutcome.DELISTED):
            # Ordered by decision time (open ones, undecided, sort apart): the last wins.
            resumed[entry].update(dict.fromkeys(actions, str(row.objection_id)))
        if row.outcome == str(UpheldOutcome.CORRECTED) and row.target_member is not None:
            struck[entry].add((str(row.target_member), str(row.action)))
    return {e: EntryPauses(frozenset(paused[e]), resumed[e], frozenset(struck[e])) for e in paused}
