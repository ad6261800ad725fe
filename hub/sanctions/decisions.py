"""An operator's decisions on BRIDGE and SANCTION review items (docs/linking.md), each in the
caller's transaction under the ledger's lock, each a ledger row, each followed by what it
changes: a confirmed bridge adds an operator's link and merges the two clusters, then the
entries naming them are reconciled; a confirmed sanction is issued by reconciling its entry;
a dismissed item changes nothing and is never reopened. Candidates are hub.lists.candidates'.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hub.domain.links import OPERATOR, LinkKind, edge
from hub.errors import ReviewDecided, WrongReviewKind
from hub.ledger.chain import LedgerEntry, append, lock_head
from hub.policy.rules import Policy
from hub.sanctions.instructions import NewInstruction, Trigger, ledger_entries
from hub.sanctions.reconcile import reconcile_entry
from hub.store.links import insert_assertions
from hub.store.matching import clusters_naming_entry, entries_naming_cluster, entry_now
from hub.store.reviews import Review, ReviewKind, ReviewState, decide
from hub.store.subjects import clusters_of, merge_clusters

__all__ = ["Decision", "decide_bridge", "decide_sanction"]


@dataclass
class Decision:
    review_id: str
    state: ReviewState
    issued: list[NewInstruction] = field(default_factory=list)
    lifted: list[NewInstruction] = field(default_factory=list)
    entry_id: str | None = None  # a confirmed candidate's new list entry


def _record(
    connection: sa.Connection,
    review: Review,
    kind: ReviewKind,
    confirm: bool,
    actor: str,
    reason: str,
    now: datetime,
) -> ReviewState:
    if review.kind is not kind:
        raise WrongReviewKind(review.review_id, str(review.kind), str(kind))
    state = ReviewState.CONFIRMED if confirm else ReviewState.DISMISSED
    if not decide(connection, review.review_id, state, actor, reason, now):
        raise ReviewDecided(review.review_id, "decided")
    return state


def _reconcile(
    connection: sa.Connection,
    entry_ids: list[str],
    policy: Policy,
    trigger: Trigger,
    now: datetime,
    decision: Decision,
) -> list[LedgerEntry]:
    entries = []
    for entry_id in entry_ids:
        decided = reconcile_entry(
            connection,
            entry_now(connection, entry_id),
            clusters_naming_entry(connection, entry_id),
            policy,
            trigger,
            now,
        )
        decision.issued += decided.issued
        decision.lifted += decided.lifted
        entries += decided.entries
    return entries


def decide_bridge(
    connection: sa.Connection,
    review: Review,
    confirm: bool,
    actor: str,
    reason: str,
    policy: Policy,
    now: datetime,
) -> Decision:
    """Confirm (the two identifiers are one subject: an operator's link joins them) or
    dismiss a BRIDGE item."""
    lock_head(connection)
    state = _record(connection, review, ReviewKind.BRIDGE, confirm, actor, reason, now)
    decision = Decision(review.review_id, state)
    body = {"kind": str(review.kind), "state": str(state), "reason": reason}
    entries = [LedgerEntry("REVIEW_DECIDED", actor, body, review.review_id)]
    if confirm:
        ends = [(str(end["scheme"]), str(end["value"])) for end in review.detail["link"]]
        pair = edge(ends[0], ends[1])
        row = (pair, OPERATOR, review.review_id, str(LinkKind.CONFIRMED), False)
        insert_assertions(connection, [row], now)
        clusters = sorted(set(clusters_of(connection, list(pair)).values()))
        if len(clusters) > 1:
            merge_clusters(connection, clusters[1:], clusters[0])
        named = sorted({e.entry_id for e in entries_naming_cluster(connection, clusters[0])})
        trigger = Trigger(review.review_id, now)
        entries += _reconcile(connection, named, policy, trigger, now, decision)
    append(connection, entries + ledger_entries(decision.issued + decision.lifted), now)
    return decision


def decide_sanction(
    connection: sa.Connection,
    review: Review,
    confirm: bool,
    actor: str,
    reason: str,
    policy: Policy,
    now: datetime,
) -> Decision:
    """Confirm (the instruction is issued, if its entry still calls for it) or dismiss (it
    never is) a SANCTION item."""
    lock_head(connection)
    state = _record(connection, review, ReviewKind.SANCTION, confirm, actor, reason, now)
    decision = Decision(review.review_id, state, entry_id=review.entry_id)
    body = {"kind": str(review.kind), "state": str(state), "reason": reason}
    entries = [LedgerEntry("REVIEW_DECIDED", actor, body, review.review_id)]
    if confirm and review.entry_id:
        trigger = Trigger(review.review_id, now)
        entries += _reconcile(connection, [review.entry_id], policy, trigger, now, decision)
    append(connection, entries + ledger_entries(decision.issued + decision.lifted), now)
    return decision
