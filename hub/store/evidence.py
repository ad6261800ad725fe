"""The evidence each accepted signal carried, written with its signal (hub.pipeline.evidence
shapes the rows; hub.store.evidence_reads reads them; hub.store.evidence_purge ends them)."""

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from hub.store.bulk import bulk_insert
from hub.store.schema import signal_evidence

__all__ = ["insert_evidence"]


def insert_evidence(
    connection: sa.Connection, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """Keep each row, the values of `columns` (signal_evidence columns). A signal is accepted
    once (its accepted_signals row is written in the same transaction), so no conflict."""
    bulk_insert(connection, signal_evidence, columns, rows)
