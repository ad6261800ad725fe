"""The deadline scheduler: entries still in rectification when their deadline passes become
OVERDUE, which brings escalation instructions (through the same outbox) and operator tasks.

It takes the moment to judge deadlines by (`as_of`) from its caller, so tests and operators
can move time forward instead of waiting; what it records (ledger, history, instructions)
carries the real time. Each run is idempotent: an entry already OVERDUE is not due again.

Each run also opens an operator task for every objection left undecided past its due date
(hub.lists.objections), judged by `as_of` like the deadlines.

Each run also purges the kept evidence whose retention has ended (hub.store.evidence_purge)
and records how many rows went in one EVIDENCE_PURGED ledger row. That is judged by the real
clock, never by an `as_of` moved ahead of it: a deleted row cannot be brought back.

`sign_head_if_due` is the periodic step of the ledger's signed tree heads: a head every
HUB_TREE_HEAD_INTERVAL seconds, only when the ledger grew, published to members. It too goes
by the real clock: a head carries the time it was signed.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from alliance_connector.signing import SigningKey
from hub.domain.lists import RECTIFYING_STATUSES, ListStatus
from hub.errors import HubError, IllegalTransition
from hub.ledger.chain import LedgerEntry, append
from hub.ledger.tree_heads import SignedTreeHead, latest_head, sign_head
from hub.lists.lifecycle import Moved, move
from hub.lists.objections import flag_overdue_objections
from hub.policy.rules import Policy
from hub.store.evidence_purge import purge_expired
from hub.store.list_entries import entries_past_deadline

__all__ = [
    "SCHEDULER_ACTOR",
    "SchedulerRun",
    "due_entries",
    "purge_evidence",
    "run_due",
    "sign_head_if_due",
]

log = logging.getLogger(__name__)

SCHEDULER_ACTOR = "scheduler"


@dataclass
class SchedulerRun:
    overdue: list[Moved] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    purged: int = 0  # evidence rows whose retention ended
    objection_tasks: list[str] = field(default_factory=list)  # undecided past due (异议)

    @property
    def instructions(self) -> int:
        return sum(len(m.issued) + len(m.lifted) for m in self.overdue)


def due_entries(connection: sa.Connection, now: datetime, limit: int = 1000) -> list[str]:
    """Entries in rectification whose deadline has passed, oldest deadline first."""
    return entries_past_deadline(connection, RECTIFYING_STATUSES, now, limit)


def run_due(
    engine: sa.Engine,
    policy: Policy,
    as_of: datetime,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SchedulerRun:
    """Turn every entry due at `as_of` OVERDUE, one transaction per entry: a fault with one
    entry is logged and does not hold back the others, and a long backlog never holds the
    ledger's lock for long."""
    run = SchedulerRun()
    as_of = as_of.astimezone(UTC)  # the store keeps UTC; SQLite compares it as text
    with engine.connect() as connection:
        due = due_entries(connection, as_of)
    reason = f"rectification deadline passed (as of {as_of.isoformat(timespec='seconds')})"
    for entry_id in due:
        try:
            with engine.begin() as connection:
                moved = move(
                    connection,
                    entry_id,
                    ListStatus.OVERDUE,
                    SCHEDULER_ACTOR,
                    reason,
                    policy,
                    clock(),
                )
        except IllegalTransition:
            continue  # an operator moved it (rectified, delisted) since it was read
        except (HubError, SQLAlchemyError):
            log.exception("could not turn %s overdue; the next run tries again", entry_id)
            run.failed.append(entry_id)
            continue
        run.overdue.append(moved)
    try:
        run.objection_tasks = flag_overdue_objections(engine, as_of, SCHEDULER_ACTOR, clock)
    except (HubError, SQLAlchemyError):
        log.exception("could not flag overdue objections; the next run tries again")
    try:
        run.purged = purge_evidence(engine, min(as_of, clock()), clock)
    except (HubError, SQLAlchemyError):
        log.exception("could not purge expired evidence; the next run tries again")
    return run


def purge_evidence(
    engine: sa.Engine, now: datetime, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> int:
    """Delete the evidence expired at `now`, with one EVIDENCE_PURGED ledger row when any
    went, in one transaction: the ledger says so exactly when it happened."""
    with engine.begin() as connection:
        count = purge_expired(connection, now)
        if count:
            entry = LedgerEntry("EVIDENCE_PURGED", SCHEDULER_ACTOR, {"count": count})
            append(connection, [entry], clock())
    return count


def sign_head_if_due(
    engine: sa.Engine,
    key: SigningKey,
    interval_s: float,
    publish: Callable[[SignedTreeHead], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SignedTreeHead | None:
    """Sign a tree head when the last is `interval_s` old or there is none, and the ledger
    grew since; hand a new one to `publish`. Returns the new head, None when none was due.

    The head is stored before it is published: a head that reached members but not the table
    would be one the hub cannot show again. A failed publish leaves it stored; the next run
    signs nothing new until the ledger grows, so publishing again is `alliance-hub ledger head`.
    """
    now = clock()
    with engine.begin() as connection:
        last = latest_head(connection)
        if last is not None and (now - last.timestamp).total_seconds() < interval_s:
            return None
        head = sign_head(connection, key, now)
    if head is None or (last is not None and head.tree_size <= last.tree_size):
        return None
    if publish is not None:
        publish(head)
    return head
