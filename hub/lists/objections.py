"""Objections (异议): filed by an operator for a listed subject, or for a member on its behalf,
against a list entry or one of its instructions, and decided by an operator (docs/objections.md).

Every step is one transaction under the ledger's lock and one ledger row (OBJECTION_FILED,
_UPHELD, _DISMISSED, _OVERDUE; `ref` the entry). Filing pauses what the policy pauses while
the objection is open (`[objections] pause`): reconciling the entry LIFTs those instructions,
and neither reconciliation nor the worker issues them meanwhile (hub.sanctions.pauses).
Upheld as DELISTED, the entry leaves the list through the lifecycle's `move`, which lifts all
its instructions with `supersedes`; upheld as CORRECTED, the decision records the correction
and the entry is reconciled (an instruction the objection named is struck: lifted, and not
issued again while the entry stands); dismissed, the reason is recorded and the paused
actions resume. An objection left undecided past its due date becomes an operator task, once.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alliance_connector.identifiers import personal_pattern
from hub.domain.lists import ACTIVE_STATUSES, ListStatus
from hub.domain.objections import (
    FILED_BY_SUBJECT,
    GroundsKind,
    ObjectionState,
    UpheldOutcome,
    checked_digests,
)
from hub.errors import ObjectionDecided, ObjectionRefused, UnknownEntry, UnknownObjection
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.lists.lifecycle import move, reconcile
from hub.policy.rules import Policy
from hub.sanctions.instructions import NewInstruction, Trigger
from hub.store.list_entries import status_of
from hub.store.members import is_member
from hub.store.objections import (
    ObjectionRecord,
    decide_objection,
    insert_objection,
    instruction_entry,
    mark_overdue,
    objection_of,
    overdue_objections,
)
from hub.store.operator_tasks import NewTask, add_task, task_id

__all__ = [
    "OVERDUE_TASK",
    "Decided",
    "check_text",
    "dismiss_objection",
    "file_objection",
    "flag_overdue_objections",
    "uphold_objection",
]

MAX_TEXT = 4000
# The operator task an undecided objection opens past its due date, and the days to do it.
OVERDUE_TASK = "DECIDE_OBJECTION"
OVERDUE_TASK_DAYS = 3


@dataclass
class Decided:
    """An objection as filed or decided, and the instructions the step issued and lifted."""

    objection: ObjectionRecord
    issued: list[NewInstruction] = field(default_factory=list)
    lifted: list[NewInstruction] = field(default_factory=list)


def check_text(value: str, name: str, required: bool = True) -> str:
    """The text of grounds, a statement or a reason, refused (ObjectionRefused) when empty,
    too long, or holding a resident id or mobile number: the same detector as every other free
    text the hub keeps (alliance_connector.identifiers.personal_pattern)."""
    text = value.strip()
    if required and not text:
        raise ObjectionRefused(name, "required")
    if len(text) > MAX_TEXT:
        raise ObjectionRefused(name, f"at most {MAX_TEXT} characters")
    if personal_pattern(text) is not None:
        raise ObjectionRefused(
            name, "must not hold a resident id or mobile number: name the subject by its ids"
        )
    return text


def _checked_filer(connection: sa.Connection, filed_by: str) -> str:
    if filed_by == FILED_BY_SUBJECT or is_member(connection, filed_by):
        return filed_by
    raise ObjectionRefused("filed_by", f"{FILED_BY_SUBJECT!r} or a registered member id")


def file_objection(
    connection: sa.Connection,
    entry_id: str,
    instruction_id: str | None,
    filed_by: str,
    grounds_kind: GroundsKind,
    grounds: str,
    attachments: Sequence[str],
    actor: str,
    policy: Policy,
    now: datetime,
) -> Decided:
    """Register an objection to an active entry (or one of its instructions) and pause what the
    policy pauses; raises UnknownEntry or ObjectionRefused."""
    text = check_text(grounds, "grounds")
    digests = checked_digests(attachments, "attachments")
    lock_head(connection)
    status = status_of(connection, entry_id)
    if status is None:
        raise UnknownEntry(entry_id)
    if ListStatus(status) not in ACTIVE_STATUSES:
        raise ObjectionRefused("entry_id", f"the entry is {status}: it carries no sanction")
    if instruction_id is not None and instruction_entry(connection, instruction_id) != entry_id:
        raise ObjectionRefused("instruction_id", "no instruction of this entry has this id")
    paused = tuple(str(a) for a in sorted(policy.safeguards.objection_pause))
    record = ObjectionRecord(
        objection_id=f"obj-{uuid.uuid4().hex}",
        entry_id=entry_id,
        instruction_id=instruction_id,
        filed_by=_checked_filer(connection, filed_by),
        grounds_kind=str(grounds_kind),
        grounds=text,
        attachments=digests,
        paused=paused,
        state=ObjectionState.OPEN,
        filed_at=now,
        due_at=now + timedelta(days=policy.safeguards.objection_decide_days),
        overdue_at=None,
        decided_at=None,
        decided_by=None,
        outcome=None,
        decision_reason=None,
    )
    insert_objection(connection, record)
    body = {
        "objection_id": record.objection_id,
        "entry_id": entry_id,
        "instruction_id": instruction_id,
        "filed_by": record.filed_by,
        "paused": list(paused),
    }
    append(connection, [LedgerEntry("OBJECTION_FILED", actor, body, entry_id)], now)
    trigger = Trigger(f"objection:{record.objection_id}", now)
    issued, lifted = reconcile(connection, entry_id, policy, trigger, now)
    return Decided(record, issued, lifted)


def _open(connection: sa.Connection, objection_id: str) -> ObjectionRecord:
    lock_head(connection)  # every list writer's one lock, taken first
    found = objection_of(connection, objection_id)
    if found is None:
        raise UnknownObjection()
    if found.state is not ObjectionState.OPEN:
        raise ObjectionDecided(found.objection_id, str(found.state))
    return found


def uphold_objection(
    connection: sa.Connection,
    objection_id: str,
    outcome: UpheldOutcome,
    actor: str,
    reason: str,
    policy: Policy,
    now: datetime,
) -> Decided:
    """The objection holds: DELISTED moves the entry off the list (every instruction lifted);
    CORRECTED records the correction and reconciles the entry (paused actions resume)."""
    text = check_text(reason, "reason")
    found = _open(connection, objection_id)
    decide_objection(connection, objection_id, ObjectionState.UPHELD, outcome, actor, text, now)
    body = {"objection_id": objection_id, "entry_id": found.entry_id, "outcome": str(outcome)}
    append(connection, [LedgerEntry("OBJECTION_UPHELD", actor, body, found.entry_id)], now)
    if outcome is UpheldOutcome.DELISTED:
        why = f"objection {objection_id} upheld"
        moved = move(connection, found.entry_id, ListStatus.DELISTED, actor, why, policy, now)
        issued, lifted = moved.issued, moved.lifted
    else:
        trigger = Trigger(f"objection:{objection_id}", now)
        issued, lifted = reconcile(connection, found.entry_id, policy, trigger, now)
    return Decided(_reread(connection, objection_id), issued, lifted)


def dismiss_objection(
    connection: sa.Connection,
    objection_id: str,
    actor: str,
    reason: str,
    policy: Policy,
    now: datetime,
) -> Decided:
    """The objection does not hold: the reason is recorded, and what it paused resumes."""
    text = check_text(reason, "reason")
    found = _open(connection, objection_id)
    decide_objection(connection, objection_id, ObjectionState.DISMISSED, None, actor, text, now)
    body = {"objection_id": objection_id, "entry_id": found.entry_id}
    append(connection, [LedgerEntry("OBJECTION_DISMISSED", actor, body, found.entry_id)], now)
    trigger = Trigger(f"objection:{objection_id}", now)
    issued, lifted = reconcile(connection, found.entry_id, policy, trigger, now)
    return Decided(_reread(connection, objection_id), issued, lifted)


def _reread(connection: sa.Connection, objection_id: str) -> ObjectionRecord:
    found = objection_of(connection, objection_id)
    if found is None:  # cannot happen under the lock: it was just decided
        raise UnknownObjection()
    return found


def flag_overdue_objections(
    engine: sa.Engine,
    as_of: datetime,
    actor: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[str]:
    """For each objection still OPEN past its due date at `as_of`, open one operator task and
    write OBJECTION_OVERDUE, in one transaction; returns the task ids opened."""
    opened = []
    with engine.begin() as connection:
        lock_head(connection)
        now = clock()
        for found in overdue_objections(connection, as_of.astimezone(UTC)):
            detail = f"异议 {found.objection_id} 逾期未答复：请作出异议处理决定并送达答复书"
            task = NewTask(
                OVERDUE_TASK,
                detail,
                now + timedelta(days=OVERDUE_TASK_DAYS),
                cause=(found.objection_id,),
            )
            add_task(connection, found.entry_id, task, now)
            mark_overdue(connection, found.objection_id, now)
            key = task_id(found.entry_id, OVERDUE_TASK, found.objection_id)
            body = {"objection_id": found.objection_id, "entry_id": found.entry_id, "task_id": key}
            append(connection, [LedgerEntry("OBJECTION_OVERDUE", actor, body, found.entry_id)], now)
            opened.append(key)
    return opened
