"""Corroboration after a batch is linked and decided: the batch's waybill citations joined
with the other side's (empty-parcel correlation, hub.pipeline.correlation), and the listing
candidates its reports and correlations now make (hub.pipeline.candidates), for clusters
that match no active entry; the ledger entries of both."""

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.ledger.chain import LedgerEntry
from hub.pipeline.candidates import new_candidates
from hub.pipeline.correlation import Citation, correlate
from hub.pipeline.waybills import correlation_entry
from hub.policy.rules import Policy
from hub.sanctions.review_queue import open_items

__all__ = ["corroborate"]


def corroborate(
    connection: sa.Connection,
    citations: Sequence[Citation],
    misconduct: Collection[str],
    matched: Collection[str],
    policy: Policy,
    now: datetime,
) -> list[LedgerEntry]:
    """Correlate the citations, then open the candidates that the clusters with misconduct
    reports (`misconduct`) or new correlations call for, those `matched` (by an active entry)
    left out; return the ledger entries of both."""
    safeguards = policy.safeguards
    window = timedelta(days=safeguards.correlation_window_days)
    correlations = correlate(connection, citations, window, now) if citations else []
    entries = [correlation_entry(c) for c in correlations]
    correlated = {c.cluster_id for c in correlations}
    touched = (set(misconduct) | correlated) - set(matched)
    candidates = new_candidates(connection, touched, safeguards, now, correlated)
    return entries + open_items(connection, candidates, now)
