"""How kept evidence looks on the wire: one accepted signal's evidence row (its observation
window nested as {start, end}) and one empty-parcel correlation (空包裹).

One home for both shapes, because two routes show the same rows: a subject's evidence
(GET /subjects/{cluster_id}/evidence) and what a review item rests on (GET /reviews/{id}).
A client, and the console, then read a row the same way wherever it comes from. The values
are as hub.store.evidence_reads gives them: tokens only, anything else withheld.
"""

import dataclasses
from datetime import datetime

from pydantic import BaseModel

from hub.store.evidence_reads import Correlation, Evidence

__all__ = [
    "CorrelationOut",
    "EvidenceOut",
    "IdentifierOut",
    "WindowOut",
    "correlation_out",
    "evidence_out",
]


class WindowOut(BaseModel):
    start: datetime
    end: datetime


class IdentifierOut(BaseModel):
    scheme: str
    value: str


class EvidenceOut(BaseModel):
    reporter: str
    signal_id: str
    category: str
    severity: str
    window: WindowOut
    order_count: int
    amount_fen: int
    order_refs: list[str]
    waybill_refs: list[str]
    note: str | None
    subject: list[IdentifierOut]
    record_at: datetime
    expires_at: datetime


class CorrelationOut(BaseModel):
    # A member sees only its own side of a correlation: the other side's are None.
    platform_reporter: str | None
    platform_signal: str | None
    logistics_reporter: str | None
    logistics_signal: str | None
    waybills: int
    correlated_at: datetime


def evidence_out(evidence: Evidence) -> EvidenceOut:
    """The row as the API shows it: the window's two ends nested as one value."""
    fields = dataclasses.asdict(evidence)
    window = WindowOut(start=fields.pop("window_start"), end=fields.pop("window_end"))
    return EvidenceOut.model_validate(fields | {"window": window})


def correlation_out(correlation: Correlation) -> CorrelationOut:
    """The correlation as the API shows it (its cluster is the one the route was asked for)."""
    return CorrelationOut.model_validate(dataclasses.asdict(correlation))
