"""Reading a subject's kept evidence: what the accepted signals about one cluster carried (their
accepted_signals rows keep it), newest first in keyset pages; one signal's (what a bridging
link's review item rests on); and the empty-parcel correlations (空包裹) about a cluster. The
subject and review routes both read here, so both show a row the same way and withhold the
same values.

The rows hold tokens only: the worker refuses a signal whose note or identifiers carry a
resident-id or mobile number in clear (alliance_connector.validation) before it writes
anything. Reading checks once more, because these rows leave the hub (the API, the console)
and a row written by an older hub or by hand would otherwise go out as it is: a personal
identifier value that is not a token, an order reference that is not one, or a note in which
the SDK's one detector finds a number comes out withheld, never in clear.

With `member`, a query sees only what that member reported (members see their own affairs):
its own evidence rows, and the correlations its own signals are part of, without the other
side's reporter and signal.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from alliance_connector.identifiers import PERSONAL_SCHEMES, IdentifierScheme, personal_pattern
from alliance_connector.tokens import is_token
from hub.store.schema import accepted_signals as evidence_rows
from hub.store.schema import parcel_correlations, subject_identifiers
from hub.store.timestamps import as_utc

__all__ = [
    "WITHHELD",
    "Correlation",
    "Evidence",
    "EvidenceKey",
    "EvidencePage",
    "cluster_known",
    "correlations_of",
    "evidence_count",
    "evidence_of",
    "signal_evidence",
]

# What a value that should have been a token, but is not, reads as.
WITHHELD = "<withheld>"


@dataclass(frozen=True)
class Evidence:
    """One accepted signal's evidence about the subject, as stored (tokens only)."""

    reporter: str
    signal_id: str
    category: str
    severity: str
    window_start: datetime
    window_end: datetime
    order_count: int
    amount_fen: int
    order_refs: list[str]
    waybill_refs: list[str]  # 'carrier:NUMBER': business records, clear
    note: str | None
    subject: list[dict[str, str]]  # [{"scheme", "value"}], personal values as tokens
    record_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class EvidenceKey:
    """Where a page of evidence ended: the next page starts after this row."""

    record_at: datetime
    reporter: str
    signal_id: str


@dataclass(frozen=True)
class EvidencePage:
    evidence: list[Evidence]
    next: EvidenceKey | None  # None: this was the last page


@dataclass(frozen=True)
class Correlation:
    """A platform's signal and a logistics member's EMPTY_PARCEL signal on the same waybills.
    For a member that is one side, the other side's reporter and signal are None."""

    platform_reporter: str | None
    platform_signal: str | None
    logistics_reporter: str | None
    logistics_signal: str | None
    cluster_id: str
    waybills: int
    correlated_at: datetime


def _text(value: str | None) -> str | None:
    if value is None or personal_pattern(value) is None:
        return value
    return WITHHELD


def _identifier(item: Any) -> dict[str, str]:
    scheme, value = str(item.get("scheme", "")), str(item.get("value", ""))
    try:
        personal = IdentifierScheme(scheme) in PERSONAL_SCHEMES
    except ValueError:
        personal = True  # a scheme the hub does not know: nothing says its value may be shown
    if personal and not is_token(value):
        value = WITHHELD
    elif not personal:
        value = _text(value) or ""
    return {"scheme": scheme, "value": value}


def _evidence(row: sa.Row[Any]) -> Evidence:
    m = row._mapping
    return Evidence(
        reporter=m["reporter"],
        signal_id=m["signal_id"],
        category=m["category"],
        severity=m["severity"],
        window_start=as_utc(m["window_start"]),
        window_end=as_utc(m["window_end"]),
        order_count=int(m["order_count"]),
        amount_fen=int(m["amount_fen"]),
        order_refs=[r if is_token(r) else WITHHELD for r in json.loads(m["order_refs"])],
        waybill_refs=[_text(str(r)) or "" for r in json.loads(m["waybill_refs"])],
        note=_text(m["note"]),
        subject=[_identifier(i) for i in json.loads(m["subject"])],
        record_at=as_utc(m["record_at"]),
        expires_at=as_utc(m["expires_at"]),
    )


# A signal's row keeps its evidence until it expires (hub.store.evidence_purge).
_KEPT = evidence_rows.c.expires_at.is_not(None)


def _mine(cluster_id: str, member: str | None) -> sa.ColumnElement[bool]:
    where = sa.and_(evidence_rows.c.cluster_id == cluster_id, _KEPT)
    if member is not None:
        where = sa.and_(where, evidence_rows.c.reporter == member)
    return where


def _after(key: EvidenceKey) -> sa.ColumnElement[bool]:
    # Rows after `key` in (record_at, reporter, signal_id) descending order, spelled out
    # rather than as a row-value comparison, which SQLite answers without the index.
    e = evidence_rows.c
    at = key.record_at.astimezone(UTC)  # stored as UTC; SQLite compares it as text
    return sa.or_(
        e.record_at < at,
        sa.and_(
            e.record_at == at,
            sa.or_(
                e.reporter < key.reporter,
                sa.and_(e.reporter == key.reporter, e.signal_id < key.signal_id),
            ),
        ),
    )


def evidence_of(
    connection: sa.Connection,
    cluster_id: str,
    member: str | None = None,
    limit: int = 100,
    before: EvidenceKey | None = None,
) -> EvidencePage:
    """The cluster's evidence, newest first (by record time), at most `limit` rows after
    `before`; with `member`, only that member's reports."""
    e = evidence_rows.c
    query = sa.select(evidence_rows).where(_mine(cluster_id, member))
    if before is not None:
        query = query.where(_after(before))
    query = query.order_by(e.record_at.desc(), e.reporter.desc(), e.signal_id.desc())
    rows = connection.execute(query.limit(limit + 1)).all()
    found = [_evidence(r) for r in rows[:limit]]
    if len(rows) <= limit or not found:
        return EvidencePage(found, None)
    last = found[-1]
    return EvidencePage(found, EvidenceKey(last.record_at, last.reporter, last.signal_id))


def signal_evidence(connection: sa.Connection, reporter: str, signal_id: str) -> Evidence | None:
    """The evidence the reporter's signal carried, or None (never kept, or purged)."""
    e = evidence_rows.c
    query = sa.select(evidence_rows).where(e.reporter == reporter, e.signal_id == signal_id, _KEPT)
    row = connection.execute(query).one_or_none()
    return None if row is None else _evidence(row)


def evidence_count(connection: sa.Connection, cluster_id: str, member: str | None = None) -> int:
    """How many evidence rows the cluster has (with `member`, of that member's reports)."""
    query = sa.select(sa.func.count()).select_from(evidence_rows)
    return int(connection.scalar(query.where(_mine(cluster_id, member))) or 0)


def correlations_of(
    connection: sa.Connection,
    cluster_id: str,
    member: str | None = None,
    limit: int | None = None,
) -> list[Correlation]:
    """The cluster's empty-parcel correlations, newest first (the newest `limit`, if given);
    with `member`, only those one of its signals is part of, the other side withheld."""
    p = parcel_correlations.c
    query = sa.select(parcel_correlations).where(p.cluster_id == cluster_id)
    if member is not None:
        query = query.where(sa.or_(p.platform_reporter == member, p.logistics_reporter == member))
    query = query.order_by(
        p.correlated_at.desc(),
        p.platform_reporter,
        p.platform_signal,
        p.logistics_reporter,
        p.logistics_signal,
    )
    if limit is not None:
        query = query.limit(limit)
    found = []
    for r in connection.execute(query):
        platform = member is None or r.platform_reporter == member
        logistics = member is None or r.logistics_reporter == member
        found.append(
            Correlation(
                platform_reporter=r.platform_reporter if platform else None,
                platform_signal=r.platform_signal if platform else None,
                logistics_reporter=r.logistics_reporter if logistics else None,
                logistics_signal=r.logistics_signal if logistics else None,
                cluster_id=r.cluster_id,
                waybills=int(r.waybills),
                correlated_at=as_utc(r.correlated_at),
            )
        )
    return found


def cluster_known(connection: sa.Connection, cluster_id: str, member: str | None = None) -> bool:
    """Whether the hub knows this cluster (with `member`: whether that member reported
    evidence about it, so a member cannot tell another's subject from none)."""
    if member is not None:
        p = parcel_correlations.c
        theirs = sa.or_(p.platform_reporter == member, p.logistics_reporter == member)
        correlated = sa.select(sa.literal(1)).where(p.cluster_id == cluster_id, theirs)
        return (
            evidence_count(connection, cluster_id, member) > 0
            or connection.scalar(correlated.limit(1)) is not None
        )
    for table in (subject_identifiers, evidence_rows, parcel_correlations):
        query = sa.select(sa.literal(1)).where(table.c.cluster_id == cluster_id).limit(1)
        if connection.scalar(query) is not None:
            return True
    return False
