"""Waybill citations and parcel correlations in the store: what empty-parcel correlation
(hub.pipeline.correlation, notice §3 空包裹) reads and writes.

A citation is one accepted signal naming one waybill ('carrier:NUMBER', clear: a waybill is an
event reference, not a person); a correlation is a (platform signal, logistics signal) pair
that cite the same waybills. Both are written with insert-or-ignore, so a batch replayed after
a crash writes nothing twice.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from hub.store.schema import parcel_correlations, waybill_citations
from hub.store.subjects import CHUNK
from hub.store.timestamps import as_utc
from hub.store.upsert import insert_ignore

__all__ = [
    "CitationRow",
    "Correlation",
    "citations_on",
    "insert_citations",
    "insert_correlations",
]


@dataclass(frozen=True)
class CitationRow:
    """One waybill cited by one signal, as `waybill_citations` holds it."""

    waybill: str
    reporter: str
    signal_id: str
    side: str  # platform | logistics
    cluster_id: str
    record_at: datetime


@dataclass(frozen=True)
class Correlation:
    """One `parcel_correlations` row: a platform's signal and a logistics member's
    EMPTY_PARCEL signal sharing `waybills` waybills, about the platform signal's cluster."""

    platform_reporter: str
    platform_signal: str
    logistics_reporter: str
    logistics_signal: str
    cluster_id: str
    waybills: int
    correlated_at: datetime


def citations_on(connection: sa.Connection, waybills: Collection[str]) -> list[CitationRow]:
    """Every stored citation of any of these waybills (one query per CHUNK waybills, each
    answered from the primary key, whose first column is the waybill)."""
    wanted = sorted(set(waybills))
    found: list[CitationRow] = []
    for start in range(0, len(wanted), CHUNK):
        rows = connection.execute(
            sa.select(
                waybill_citations.c.waybill,
                waybill_citations.c.reporter,
                waybill_citations.c.signal_id,
                waybill_citations.c.side,
                waybill_citations.c.cluster_id,
                waybill_citations.c.record_at,
            ).where(waybill_citations.c.waybill.in_(wanted[start : start + CHUNK]))
        )
        found.extend(
            CitationRow(
                r.waybill, r.reporter, r.signal_id, r.side, r.cluster_id, as_utc(r.record_at)
            )
            for r in rows
        )
    return found


def insert_citations(connection: sa.Connection, rows: Sequence[CitationRow]) -> None:
    """Store the citations not stored yet (one statement)."""
    insert_ignore(
        connection,
        waybill_citations,
        [
            {
                "waybill": r.waybill,
                "reporter": r.reporter,
                "signal_id": r.signal_id,
                "side": r.side,
                "cluster_id": r.cluster_id,
                "record_at": r.record_at.astimezone(UTC),
            }
            for r in rows
        ],
    )


def insert_correlations(connection: sa.Connection, rows: Sequence[Correlation]) -> None:
    """Store the correlations not stored yet (one statement)."""
    insert_ignore(
        connection,
        parcel_correlations,
        [
            {
                "platform_reporter": r.platform_reporter,
                "platform_signal": r.platform_signal,
                "logistics_reporter": r.logistics_reporter,
                "logistics_signal": r.logistics_signal,
                "cluster_id": r.cluster_id,
                "waybills": r.waybills,
                "correlated_at": r.correlated_at.astimezone(UTC),
            }
            for r in rows
        ],
    )
