"""A signal's waybills as empty-parcel correlation (hub.pipeline.correlation) takes them: which
accepted signals cite waybills, from which side of the parcel, and the ledger row of each
correlation found. A waybill is an event, never identity (docs/linking.md)."""

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import CreditSignal
from hub.ledger.chain import LedgerEntry
from hub.pipeline.correlation import LOGISTICS, PLATFORM, Citation, Correlation
from hub.store.matching import member_kinds

__all__ = ["cited", "citing_kinds", "correlation_entry"]

_SIDES = {"platform": PLATFORM, "logistics": LOGISTICS}


def _waybills(signal: CreditSignal) -> tuple[str, ...]:
    named = [i.value for i in signal.subject if i.scheme is IdentifierScheme.WAYBILL]
    return tuple(dict.fromkeys([*signal.evidence.waybill_refs, *named]))


def citing_kinds(connection: sa.Connection, signals: Sequence[CreditSignal]) -> dict[str, str]:
    """member -> kind, for the reporters of those signals that cite waybills (no query when
    none does, as most batches)."""
    citing = {s.reporter for s in signals if _waybills(s)}
    return member_kinds(connection, citing) if citing else {}


def cited(
    signal: CreditSignal,
    signal_id: str,
    cluster: str,
    record_at: datetime,
    kinds: Mapping[str, str],
) -> Citation | None:
    """The signal's citation, or None if it cites no waybill or its reporter is on neither
    side of a parcel (neither a platform nor a logistics member)."""
    waybills = _waybills(signal)
    side = _SIDES.get(kinds.get(signal.reporter, ""))
    if not waybills or side is None:
        return None
    return Citation(signal.reporter, signal_id, side, signal.category, cluster, waybills, record_at)


def correlation_entry(correlation: Correlation) -> LedgerEntry:
    """The ledger row of a new correlation: both signals by id, never the waybills."""
    return LedgerEntry(
        "PARCEL_CORRELATED",
        "hub",
        {
            "platform": correlation.platform_reporter,
            "logistics": correlation.logistics_reporter,
            "logistics_signal": correlation.logistics_signal,
            "cluster": correlation.cluster_id,
            "waybills": correlation.waybills,
        },
        correlation.platform_signal,
    )
