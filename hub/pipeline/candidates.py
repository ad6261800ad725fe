"""Listing candidates (issue 15 item 6): an unlisted subject that enough independent members
report, or that a platform and a carrier corroborate through the same waybills, goes to the
review queue for an operator to list or dismiss (hub.lists.candidates).

Without this, fifteen brushing reports from three members about an unlisted company led to
nothing. With it, they lead to one review item, never to a listing by themselves: only an
operator's confirmation lists anyone. The worker calls `new_candidates` once per batch inside
the batch's transaction, after linking and correlation, and opens the items it returns (one
ledger row `REVIEW_OPENED` each).
"""

from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.policy.rules import Safeguards
from hub.store.candidate_reads import correlations_since, reported_by_at_least, reports_since
from hub.store.reviews import NewReview, ReviewKind, review_id, review_states

__all__ = ["candidate_id", "new_candidates"]


def candidate_id(cluster_id: str) -> str:
    """The review id of the cluster's candidate item: one per cluster, ever."""
    return review_id(ReviewKind.CANDIDATE, cluster_id)


def new_candidates(
    connection: sa.Connection,
    clusters: Collection[str],
    safeguards: Safeguards,
    now: datetime,
    correlated: Collection[str] | None = None,
) -> list[NewReview]:
    """The CANDIDATE items these clusters call for and the queue does not hold yet, ordered
    by cluster.

    `clusters` are those the batch touched with misconduct signals or correlations that
    matched no active list entry (the caller knows which). One qualifies with misconduct
    reports (any category but PRESENCE) from at least `safeguards.candidate_members` distinct
    reporters, or with a parcel correlation, in the last `candidate_window_days`.
    `correlated`: the clusters that may have a correlation (the batch's own; a worker knows
    no other can have appeared since its last batch), None for all of `clusters`. An item
    stored before, in any state, is not returned again: a dismissed candidate stays
    dismissed. One query for all clusters when none qualifies, as in most batches."""
    if not clusters:
        return []
    since = now - timedelta(days=safeguards.candidate_window_days)
    wanted = set(clusters)
    maybe = wanted if correlated is None else wanted & set(correlated)
    correlations = correlations_since(connection, maybe, since) if maybe else {}
    enough = reported_by_at_least(connection, wanted, since, safeguards.candidate_members)
    qualified = sorted(enough | {c for c, n in correlations.items() if n > 0})
    if not qualified:
        return []
    reports = reports_since(connection, qualified, since)
    known = review_states(connection, [candidate_id(c) for c in qualified])
    due = now + timedelta(days=safeguards.review_days)
    items = []
    for cluster in qualified:
        item_id = candidate_id(cluster)
        if item_id in known:
            continue
        found = reports.get(cluster)
        detail = {
            "reporters": sorted(found.by_reporter) if found else [],
            "signals": found.signals if found else 0,
            "categories": dict(sorted(found.by_category.items())) if found else {},
            "correlations": correlations.get(cluster, 0),
        }
        items.append(NewReview(item_id, ReviewKind.CANDIDATE, detail, due, cluster_id=cluster))
    return items
