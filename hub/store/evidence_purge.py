"""Retention of kept evidence: the rows whose time is up are deleted, with the waybill
citations of the same signals.

Evidence is kept for the rectification period plus the time to appeal (`expires_at`, set when
the row is written); after that it has no use the notice allows, and keeping it would only
keep data about people longer than needed. Parcel correlations stay: they name signals by id
and count waybills, hold nothing about a person, and the ledger-like record of what once
corroborated a listing should not vanish with the evidence.
"""

from datetime import UTC, datetime

import sqlalchemy as sa

from hub.store.schema import signal_evidence, waybill_citations

__all__ = ["purge_expired"]


def _expired(now: datetime) -> sa.ColumnElement[bool]:
    return signal_evidence.c.expires_at <= now


def purge_expired(connection: sa.Connection, now: datetime) -> int:
    """Delete the evidence rows expired at `now` and their signals' waybill citations, in the
    caller's transaction; the number of evidence rows deleted."""
    at = now.astimezone(UTC)  # stored as UTC; SQLite compares it as text
    e, w = signal_evidence.c, waybill_citations.c
    # Citations first, while the evidence rows still say which signals expired.
    of_expired = (
        sa.select(sa.literal(1))
        .where(e.reporter == w.reporter, e.signal_id == w.signal_id, _expired(at))
        .exists()
    )
    connection.execute(waybill_citations.delete().where(of_expired))
    deleted = connection.execute(signal_evidence.delete().where(_expired(at)))
    return int(deleted.rowcount)
