"""A status change and its consequences, in one transaction: the change itself (hub.lists.status),
the instructions the policy now calls for or no longer does (escalation when OVERDUE, closure
when ESCALATED, LIFTs once RECTIFIED or DELISTED), and the operator tasks an overdue entry
brings. Operators, the importer and the scheduler all go through `move`."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.messages import ListType
from hub.domain.lists import ListStatus
from hub.ledger.chain import append
from hub.lists.status import Transition, change_status
from hub.lists.tasks import close_open_tasks, open_overdue_tasks
from hub.policy.rules import Policy
from hub.sanctions.instructions import NewInstruction, Trigger, ledger_entries
from hub.sanctions.reconcile import reconcile_entries
from hub.store.list_entries import list_type_of

__all__ = ["Moved", "move", "reconcile"]


@dataclass
class Moved:
    transition: Transition
    issued: list[NewInstruction] = field(default_factory=list)
    lifted: list[NewInstruction] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)


def move(
    connection: sa.Connection,
    entry_id: str,
    wanted: ListStatus,
    actor: str,
    reason: str,
    policy: Policy,
    now: datetime,
) -> Moved:
    """Change the entry's status and apply what follows from it (see the module docstring)."""
    transition = change_status(connection, entry_id, wanted, actor, reason, now)
    trigger = Trigger(f"transition:{transition.ledger_seq}", now)
    issued, lifted = reconcile(connection, entry_id, policy, trigger, now)
    tasks = []
    if wanted is ListStatus.OVERDUE:
        list_type = ListType(list_type_of(connection, entry_id))
        tasks = open_overdue_tasks(connection, entry_id, list_type, now)
    elif wanted in (ListStatus.RECTIFIED, ListStatus.DELISTED):
        close_open_tasks(connection, entry_id, f"{actor} ({wanted})", now)
    return Moved(transition, issued, lifted, tasks)


def reconcile(
    connection: sa.Connection, entry_id: str, policy: Policy, trigger: Trigger, now: datetime
) -> tuple[list[NewInstruction], list[NewInstruction]]:
    """Bring the entry's instructions in line with its current state and the presence rules;
    record them in the ledger; return (issued, lifted)."""
    decided = reconcile_entries(connection, [entry_id], policy, trigger, now)
    append(connection, ledger_entries(decided.issued + decided.lifted) + decided.entries, now)
    return decided.issued, decided.lifted
