"""Moving one list entry to a new status: checked against the lifecycle, recorded in the
entry's history and as a ledger row naming who and why, in the caller's transaction."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.errors import IllegalTransition, UnknownEntry
from hub.ledger.chain import LedgerEntry, append
from hub.lists.model import ALLOWED_TRANSITIONS, ListStatus
from hub.store.schema import list_entries, list_transitions

__all__ = ["Transition", "change_status"]


@dataclass(frozen=True)
class Transition:
    entry_id: str
    before: ListStatus
    after: ListStatus
    ledger_seq: int


def change_status(
    connection: sa.Connection,
    entry_id: str,
    wanted: ListStatus,
    actor: str,
    reason: str,
    now: datetime,
) -> Transition:
    """Move the entry to `wanted`; UnknownEntry or IllegalTransition if it cannot."""
    row = connection.execute(
        sa.select(list_entries.c.status)
        .where(list_entries.c.entry_id == entry_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise UnknownEntry(entry_id)
    current = ListStatus(row.status)
    allowed = ALLOWED_TRANSITIONS[current]
    if wanted not in allowed:
        raise IllegalTransition(entry_id, current, wanted, sorted(allowed))
    body = {"from": str(current), "to": str(wanted), "reason": reason}
    (seq,) = append(connection, [LedgerEntry("LIST_STATUS_CHANGED", actor, body, entry_id)], now)
    connection.execute(
        list_entries.update()
        .where(list_entries.c.entry_id == entry_id)
        .values(status=str(wanted), version=list_entries.c.version + 1, updated_at=now)
    )
    connection.execute(
        list_transitions.insert().values(
            entry_id=entry_id,
            from_status=str(current),
            to_status=str(wanted),
            actor=actor,
            reason=reason,
            at=now,
            ledger_seq=seq,
        )
    )
    return Transition(entry_id, current, wanted, seq)
