"""Credit repair (信用修复): a subject that rectified applies, an operator approves or refuses
(docs/objections.md).

An application is for an entry COMMITTED or RECTIFIED whose credit commitment was signed (its
status history reached COMMITTED) and which has served the policy's minimum months since it
was listed (`[repair] blacklist_months`, `watchlist_months`), with the digests of its evidence
of rectification. Approval moves the entry to the status the policy names for its list
(`[repair] blacklist_to`, `watchlist_to`: RECTIFIED or DELISTED) through the lifecycle's
`move`, which lifts its instructions; refusal records the reason. Each step is one ledger row
(REPAIR_APPLIED, _APPROVED, _REFUSED; `ref` the entry), under the ledger's lock.
"""

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.messages import ListType
from hub.domain.china_time import CHINA
from hub.domain.lists import ListStatus
from hub.domain.objections import RepairState, checked_digests
from hub.errors import ObjectionDecided, ObjectionRefused, UnknownEntry, UnknownObjection
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.lists.lifecycle import move
from hub.lists.objections import check_text
from hub.policy.rules import Policy
from hub.sanctions.instructions import NewInstruction
from hub.store.entry_reads import entry_history
from hub.store.repairs import RepairRecord, decide_repair, find_repairs, insert_repair, repair_of
from hub.store.timestamps import as_utc

__all__ = [
    "REPAIRABLE",
    "Repaired",
    "apply_repair",
    "approve_repair",
    "refuse_repair",
    "served_since",
]

# Rectified, or committed and rectifying: the states from which a subject asks for repair.
REPAIRABLE = frozenset({ListStatus.COMMITTED, ListStatus.RECTIFIED})


@dataclass
class Repaired:
    repair: RepairRecord
    lifted: list[NewInstruction] = field(default_factory=list)


def served_since(listed_at: datetime, months: int) -> datetime:
    """The moment `months` whole months after `listed_at`, counted on China's calendar (the
    same day of the month, or the month's last day when it has no such day)."""
    local = as_utc(listed_at).astimezone(CHINA)
    month = local.month - 1 + months
    year, month = local.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return local.replace(year=year, month=month, day=min(local.day, last))


def apply_repair(
    connection: sa.Connection,
    entry_id: str,
    evidence: Sequence[str],
    statement: str,
    actor: str,
    policy: Policy,
    now: datetime,
) -> RepairRecord:
    """Register an application; raises UnknownEntry or ObjectionRefused (not repairable now)."""
    digests = checked_digests(evidence, "evidence", required=True)
    text = check_text(statement, "statement", required=False)
    lock_head(connection)
    found = entry_history(connection, entry_id)
    if found is None:
        raise UnknownEntry(entry_id)
    status = ListStatus(found.entry.status)
    if status not in REPAIRABLE:
        raise ObjectionRefused("entry_id", f"the entry is {status}, not COMMITTED or RECTIFIED")
    if not any(h.to_status == ListStatus.COMMITTED for h in found.history):
        raise ObjectionRefused("entry_id", "the credit commitment (COMMITTED) was never signed")
    months = policy.safeguards.repair_months(ListType(found.entry.list_type))
    if now < served_since(found.entry.listed_at, months):
        raise ObjectionRefused("entry_id", f"fewer than {months} months served since listing")
    if find_repairs(connection, RepairState.APPLIED, entry_id, limit=1):
        raise ObjectionRefused("entry_id", "an application for this entry is open already")
    repair_id = f"rep-{uuid.uuid4().hex}"
    record = RepairRecord(repair_id, entry_id, digests, text, RepairState.APPLIED, now)
    insert_repair(connection, record)
    body = {"repair_id": record.repair_id, "entry_id": entry_id}
    append(connection, [LedgerEntry("REPAIR_APPLIED", actor, body, entry_id)], now)
    return record


def _applied(connection: sa.Connection, repair_id: str) -> RepairRecord:
    lock_head(connection)
    found = repair_of(connection, repair_id)
    if found is None:
        raise UnknownObjection("credit-repair application")
    if found.state is not RepairState.APPLIED:
        raise ObjectionDecided(found.repair_id, str(found.state))
    return found


def _reread(connection: sa.Connection, repair_id: str) -> RepairRecord:
    found = repair_of(connection, repair_id)
    if found is None:  # cannot happen under the lock: it was just decided
        raise UnknownObjection("credit-repair application")
    return found


def approve_repair(
    connection: sa.Connection,
    repair_id: str,
    actor: str,
    reason: str,
    policy: Policy,
    now: datetime,
) -> Repaired:
    """Approve: the entry moves to the policy's status for its list, its sanctions lifted."""
    text = check_text(reason, "reason")
    found = _applied(connection, repair_id)
    entry = entry_history(connection, found.entry_id)
    if entry is None:  # entries are never deleted
        raise UnknownEntry(found.entry_id)
    to = policy.safeguards.repair_to(ListType(entry.entry.list_type))
    lifted: list[NewInstruction] = []
    if ListStatus(entry.entry.status) is not to:
        why = f"credit repair {repair_id} approved"
        lifted = move(connection, found.entry_id, to, actor, why, policy, now).lifted
    decide_repair(connection, repair_id, RepairState.APPROVED, str(to), actor, text, now)
    body = {"repair_id": repair_id, "entry_id": found.entry_id, "to": str(to)}
    append(connection, [LedgerEntry("REPAIR_APPROVED", actor, body, found.entry_id)], now)
    return Repaired(_reread(connection, repair_id), lifted)


def refuse_repair(
    connection: sa.Connection,
    repair_id: str,
    actor: str,
    reason: str,
    now: datetime,
) -> Repaired:
    """Refuse with a reason: nothing else changes."""
    text = check_text(reason, "reason")
    found = _applied(connection, repair_id)
    decide_repair(connection, repair_id, RepairState.REFUSED, None, actor, text, now)
    body = {"repair_id": repair_id, "entry_id": found.entry_id}
    append(connection, [LedgerEntry("REPAIR_REFUSED", actor, body, found.entry_id)], now)
    return Repaired(_reread(connection, repair_id))
