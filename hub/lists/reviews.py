"""The operator's decision on a review item, whatever its kind (docs/linking.md): the one
entry point the API and the console call. It checks what every decision must satisfy (the item
is open; the reason names no person) and hands the item to its kind's decision: bridges and
sanctions (hub.sanctions.decisions), listing candidates (hub.lists.candidates).
"""

from datetime import datetime

import sqlalchemy as sa

from alliance_connector.identifiers import personal_pattern
from alliance_connector.messages import ListType, SignalCategory
from hub.errors import DecisionRefused, ReviewDecided, UnknownReview
from hub.ledger.chain import append
from hub.lists.candidates import confirm_candidate, dismiss_candidate, sanction_reporters
from hub.policy.rules import Policy
from hub.sanctions.decisions import Decision, decide_bridge, decide_sanction
from hub.sanctions.instructions import ledger_entries
from hub.store.reviews import ReviewKind, ReviewState, review_of

__all__ = ["decide_review"]


def decide_review(
    connection: sa.Connection,
    review_id: str,
    confirm: bool,
    actor: str,
    reason: str,
    policy: Policy,
    now: datetime,
    list_type: ListType | None = None,
    category: SignalCategory | None = None,
) -> Decision:
    """Confirm or dismiss the item inside the caller's transaction; raises UnknownReview,
    ReviewDecided (not open, or options for another kind) or DecisionRefused."""
    if personal_pattern(reason) is not None:
        rule = "must not hold a resident id or mobile number: name the subject by its ids"
        raise DecisionRefused("reason", rule)
    review = review_of(connection, review_id, lock=True)
    if review is None:
        raise UnknownReview()
    if review.state is not ReviewState.OPEN:
        raise ReviewDecided(review.review_id, str(review.state))
    if review.kind is not ReviewKind.CANDIDATE and (list_type or category):
        raise DecisionRefused("list_type", "only a listing candidate takes a list and category")
    if review.kind is ReviewKind.BRIDGE:
        return decide_bridge(connection, review, confirm, actor, reason, policy, now)
    if review.kind is ReviewKind.SANCTION:
        return decide_sanction(connection, review, confirm, actor, reason, policy, now)
    if not confirm:
        dismiss_candidate(connection, review, actor, reason, now)
        return Decision(review.review_id, ReviewState.DISMISSED)
    entry_id = confirm_candidate(
        connection, review, actor, reason, list_type, category, policy, now
    )
    decided = sanction_reporters(connection, review, entry_id, policy, now)
    append(connection, ledger_entries(decided.issued) + decided.entries, now)
    return Decision(review.review_id, ReviewState.CONFIRMED, decided.issued, [], entry_id)
