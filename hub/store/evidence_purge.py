"""Retention of kept evidence: a signal's evidence whose time is up is cleared from its
accepted_signals row, and the waybill citations of the same signals are deleted.

Evidence is kept for the rectification period plus the time to appeal (`expires_at`, set when
the row is written); after that it has no use the notice allows, and keeping it would only
keep data about people longer than needed. The row itself stays: it is the replay protection
that refuses the signal if it comes again. Parcel correlations stay too: they name signals by
id and count waybills, hold nothing about a person, and the record of what once corroborated
a listing should not vanish with the evidence.
"""

from datetime import UTC, datetime

import sqlalchemy as sa

from hub.store.schema import accepted_signals, waybill_citations
from hub.store.signals import EVIDENCE_COLUMNS

__all__ = ["purge_expired"]


def _expired(now: datetime) -> sa.ColumnElement[bool]:
    return accepted_signals.c.expires_at <= now


def purge_expired(connection: sa.Connection, now: datetime) -> int:
    """Clear the evidence expired at `now` and delete its signals' waybill citations, in the
    caller's transaction; the number of signals whose evidence was cleared."""
    at = now.astimezone(UTC)  # stored as UTC; SQLite compares it as text
    e, w = accepted_signals.c, waybill_citations.c
    # Citations first, while the rows still say which signals expired.
    of_expired = (
        sa.select(sa.literal(1))
        .where(e.reporter == w.reporter, e.signal_id == w.signal_id, _expired(at))
        .exists()
    )
    connection.execute(waybill_citations.delete().where(of_expired))
    # record_at too: what no longer has its evidence counts toward no listing candidate.
    cleared = dict.fromkeys(EVIDENCE_COLUMNS)
    purged = connection.execute(accepted_signals.update().where(_expired(at)).values(cleared))
    return int(purged.rowcount)
