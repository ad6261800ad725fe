"""Credit-repair applications (信用修复) in the store: the one writer of `repairs` rows and
their reads (hub.lists.repair). The caller holds the ledger's lock when it writes."""

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.domain.objections import RepairState
from hub.store.schema import repairs

__all__ = ["RepairRecord", "decide_repair", "find_repairs", "insert_repair", "repair_of"]


@dataclass(frozen=True)
class RepairRecord:
    repair_id: str
    entry_id: str
    evidence: tuple[str, ...]
    statement: str
    state: RepairState
    applied_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    to_status: str | None = None
    decision_reason: str | None = None


def _record(row: sa.Row[tuple[object, ...]]) -> RepairRecord:
    m = row._mapping
    return RepairRecord(
        repair_id=m["repair_id"],
        entry_id=m["entry_id"],
        evidence=tuple(json.loads(m["evidence"])),
        statement=m["statement"],
        state=RepairState(m["state"]),
        applied_at=m["applied_at"],
        decided_at=m["decided_at"],
        decided_by=m["decided_by"],
        to_status=m["to_status"],
        decision_reason=m["decision_reason"],
    )


def insert_repair(connection: sa.Connection, record: RepairRecord) -> None:
    connection.execute(
        repairs.insert().values(
            repair_id=record.repair_id,
            entry_id=record.entry_id,
            evidence=json.dumps(list(record.evidence)),
            statement=record.statement,
            state=str(record.state),
            applied_at=record.applied_at,
        )
    )


def repair_of(connection: sa.Connection, repair_id: str) -> RepairRecord | None:
    row = connection.execute(
        sa.select(repairs).where(repairs.c.repair_id == repair_id)
    ).one_or_none()
    return None if row is None else _record(row)


def find_repairs(
    connection: sa.Connection,
    state: RepairState | None = None,
    entry_id: str | None = None,
    limit: int = 200,
) -> list[RepairRecord]:
    """Applications, newest first, filtered by what is given."""
    query = sa.select(repairs).order_by(repairs.c.applied_at.desc(), repairs.c.repair_id)
    if state is not None:
        query = query.where(repairs.c.state == str(state))
    if entry_id is not None:
        query = query.where(repairs.c.entry_id == entry_id)
    return [_record(r) for r in connection.execute(query.limit(limit))]


def decide_repair(
    connection: sa.Connection,
    repair_id: str,
    state: RepairState,
    to_status: str | None,
    by: str,
    reason: str,
    now: datetime,
) -> bool:
    """Record the decision on an APPLIED application; False if it is not open."""
    result = connection.execute(
        repairs.update()
        .where(repairs.c.repair_id == repair_id, repairs.c.state == str(RepairState.APPLIED))
        .values(
            state=str(state),
            to_status=to_status,
            decided_at=now,
            decided_by=by[:63],
            decision_reason=reason,
        )
    )
    return bool(result.rowcount)
