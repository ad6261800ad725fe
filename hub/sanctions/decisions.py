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
from hub.sanctions.reconcile import reconcile_entries
from hub.store.links import insert_assertions
from hub.store.matching import entries_naming_cluster
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
) -> tuple[Decision, list[LedgerEntry]]:
    """The decision recorded on the item (under the ledger's lock), and its ledger entry."""
    if review.kind is not kind:
        raise WrongReviewKind(review.review_id, str(review.kind), str(kind))
    lock_head(connection)
    state = ReviewState.CONFIRMED if confirm else ReviewState.DISMISSED
    if not decide(connection, review.review_id, state, actor, reason, now):
        raise ReviewDecided(review.review_id, "decided")
    body = {"kind": str(review.kind), "state": str(state), "reason": reason}
    decision = Decision(review.review_id, state, entry_id=review.entry_id)
    return decision, [LedgerEntry("REVIEW_DECIDED", actor, body, review.review_id)]


def _follow(
    connection: sa.Connection,
    decision: Decision,
    entries: list[LedgerEntry],
    entry_ids: list[str],
    policy: Policy,
    now: datetime,
) -> Decision:
    """Reconcile the entries the decision touches, then write its ledger entries and theirs."""
    if entry_ids:
        decided = reconcile_entries(
            connection, entry_ids, policy, Trigger(decision.review_id, now), now
        )
        decision.issued, decision.lifted = decided.issued, decided.lifted
        entries = entries + decided.entries
    append(connection, entries + ledger_entries(decision.issued + decision.lifted), now)
    return decision


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
    kind = ReviewKind.BRIDGE
    decision, entries = _record(connection, review, kind, confirm, actor, reason, now)
    if not confirm:
        return _follow(connection, decision, entries, [], policy, now)
    ends = [(str(end["scheme"]), str(end["value"])) for end in review.detail["link"]]
    pair = edge(ends[0], ends[1])
    row = (pair, OPERATOR, review.review_id, str(LinkKind.CONFIRMED), False)
    insert_assertions(connection, [row], now)
    clusters = sorted(set(clusters_of(connection, list(pair)).values()))
    if len(clusters) > 1:
        merge_clusters(connection, clusters[1:], clusters[0])
    named = sorted({e.entry_id for e in entries_naming_cluster(connection, clusters[0])})
    return _follow(connection, decision, entries, named, policy, now)


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
    decision, entries = _record(
        connection, review, ReviewKind.SANCTION, confirm, actor, reason, now
    )
    named = [review.entry_id] if confirm and review.entry_id else []
    return _follow(connection, decision, entries, named, policy, now)
