"""Moving one list entry to a new status: checked against the lifecycle, recorded in the
entry's history and as a ledger row naming who and why, in the caller's transaction."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.domain.lists import ALLOWED_TRANSITIONS, ListStatus
from hub.errors import IllegalTransition, UnknownEntry
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.store.list_entries import record_transition, set_status, status_of

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
    """Move the entry to `wanted`; UnknownEntry or IllegalTransition if it cannot.

    The ledger's lock comes first: it serialises every writer of list state (operators, the
    importer, the scheduler, the publisher), on SQLite too, where a row lock does not exist
    and a read does not yet hold the write lock. So the status read here is still the status
    when it is changed, and all list writers take their locks in one order (no deadlock)."""
    lock_head(connection)
    status = status_of(connection, entry_id)
    if status is None:
        raise UnknownEntry(entry_id)
    current = ListStatus(status)
    allowed = ALLOWED_TRANSITIONS[current]
    if wanted not in allowed:
        raise IllegalTransition(entry_id, current, wanted, sorted(allowed))
    body = {"from": str(current), "to": str(wanted), "reason": reason}
    (seq,) = append(connection, [LedgerEntry("LIST_STATUS_CHANGED", actor, body, entry_id)], now)
    # Not changed cannot happen under the lock; refuse rather than record a lie.
    if not set_status(connection, entry_id, str(current), str(wanted), now):
        raise IllegalTransition(entry_id, current, wanted, sorted(allowed))
    record_transition(connection, entry_id, str(current), str(wanted), actor, reason, now, seq)
    return Transition(entry_id, current, wanted, seq)
