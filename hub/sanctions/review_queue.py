"""Opening review items from a batch or a status change: those not stored yet are stored,
each with a REVIEW_OPENED ledger row naming what waits for an operator. The decisions on them
are hub.lists.reviews'."""

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from hub.ledger.chain import LedgerEntry
from hub.store.reviews import NewReview, ReviewState, open_reviews, review_states

__all__ = ["open_items"]


def open_items(
    connection: sa.Connection,
    items: Sequence[NewReview],
    now: datetime,
    stored: Mapping[str, ReviewState] | None = None,
) -> list[LedgerEntry]:
    """Store the items not stored yet (`stored`: their states, if the caller read them);
    return their ledger entries (the caller appends them with the rest of its
    transaction's)."""
    if not items:
        return []
    unique = {item.review_id: item for item in items}
    if stored is None:
        stored = review_states(connection, unique.keys())
    fresh = [item for key, item in sorted(unique.items()) if key not in stored]
    open_reviews(connection, fresh, now)
    return [
        LedgerEntry(
            "REVIEW_OPENED",
            "hub",
            {
                "kind": str(item.kind),
                "cluster": item.cluster_id,
                "entry": item.entry_id,
                "member": item.member_id,
                "action": item.action,
            },
            item.review_id,
        )
        for item in fresh
    ]
