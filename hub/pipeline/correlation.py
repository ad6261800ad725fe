"""Empty-parcel correlation (空包裹, notice 2018-716 §3): a platform's signal citing waybills and
a logistics member's EMPTY_PARCEL signal citing the same waybills corroborate each other about
the platform-side subject (the store that shipped), whichever arrived first.

Neither report alone proves much: a platform sees orders that look brushed, a carrier sees
parcels that weigh nothing. Two members of different kinds, who do not see each other's data,
pointing at the same waybills within a window, are what the policy's thresholds count
(hub.pipeline.candidates). The worker calls `correlate` once per batch inside the batch's
transaction, after linking (so each citation knows its cluster) and before the ledger write
(one ledger row per correlation it returns).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance_connector.messages import SignalCategory
from hub.store.waybills import (
    CitationRow,
    Correlation,
    citations_on,
    insert_citations,
    insert_correlations,
)

__all__ = ["LOGISTICS", "PLATFORM", "Citation", "Correlation", "correlate"]

PLATFORM = "platform"
LOGISTICS = "logistics"

_Signal = tuple[str, str]  # (reporter, signal id)


@dataclass(frozen=True)
class Citation:
    """The waybills one accepted signal cites, and from which side of the parcel."""

    reporter: str
    signal_id: str
    side: str  # PLATFORM or LOGISTICS: the reporter's member kind
    category: SignalCategory
    cluster_id: str  # the signal's cluster after linking
    waybills: tuple[str, ...]  # 'carrier:NUMBER'
    record_at: datetime  # the broker's time of the record


def _kept(citation: Citation) -> bool:
    # A carrier's other reports (a contract dispute, say) say nothing about empty parcels; a
    # platform's signal of any category that cites waybills is what the parcels may confirm.
    if citation.side == LOGISTICS:
        return citation.category is SignalCategory.EMPTY_PARCEL
    return citation.side == PLATFORM


def _rows(citations: Sequence[Citation]) -> dict[tuple[str, str, str], CitationRow]:
    """(waybill, reporter, signal id) -> its row, each once however often it was given."""
    rows: dict[tuple[str, str, str], CitationRow] = {}
    for c in citations:
        if not _kept(c):
            continue
        for waybill in c.waybills:
            rows.setdefault(
                (waybill, c.reporter, c.signal_id),
                CitationRow(waybill, c.reporter, c.signal_id, c.side, c.cluster_id, c.record_at),
            )
    return rows


def correlate(
    connection: sa.Connection, citations: Sequence[Citation], window: timedelta, now: datetime
) -> list[Correlation]:
    """Store the citations and the correlations they make; return the correlations that were
    not stored before, ordered by their key.

    A pair correlates when one side is a platform signal and the other a logistics
    EMPTY_PARCEL signal of another member, they share at least one waybill, and their record
    times lie at most `window` apart. Citations of this call pair with stored ones and with
    each other. A pair of two citations stored before was correlated when the later of them
    arrived, so a call repeated with the same citations returns nothing. Queries: one read
    of the waybills' stored citations (per 500 waybills), one insert of citations and one of
    correlations."""
    given = _rows(citations)
    if not given:
        return []
    stored = {
        (r.waybill, r.reporter, r.signal_id): r
        for r in citations_on(connection, {k[0] for k in given})
    }
    fresh = [row for key, row in given.items() if key not in stored]
    insert_citations(connection, fresh)
    new_signals: set[_Signal] = {(r.reporter, r.signal_id) for r in fresh}
    by_waybill: dict[str, list[CitationRow]] = defaultdict(list)
    for row in {**stored, **given}.values():
        by_waybill[row.waybill].append(row)
    shared: dict[tuple[_Signal, _Signal], int] = defaultdict(int)
    cluster: dict[_Signal, str] = {}
    for rows in by_waybill.values():
        platform = [r for r in rows if r.side == PLATFORM]
        logistics = [r for r in rows if r.side == LOGISTICS]
        for p in platform:
            for lg in logistics:
                p_signal, l_signal = (p.reporter, p.signal_id), (lg.reporter, lg.signal_id)
                if p.reporter == lg.reporter:
                    continue  # a member cannot corroborate itself
                if p_signal not in new_signals and l_signal not in new_signals:
                    continue  # correlated (or not) when the later of the two arrived
                if abs(p.record_at - lg.record_at) > window:
                    continue
                shared[(p_signal, l_signal)] += 1
                cluster[p_signal] = p.cluster_id
    made = [
        Correlation(p[0], p[1], lg[0], lg[1], cluster[p], count, now)
        for (p, lg), count in sorted(shared.items())
    ]
    insert_correlations(connection, made)
    return made
