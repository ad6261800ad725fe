"""What the store knows of the Kafka records a batch carries, and the rows a batch keeps of
them: which records have their ledger row already (handled before a crash), which signals
were accepted before (replays), the accepted signals and the rejects (hub.pipeline.effects).
"""

from collections.abc import Collection, Iterable, Mapping, Sequence

import sqlalchemy as sa

from hub.store.bulk import bulk_insert
from hub.store.schema import accepted_signals, ledger, rejects

__all__ = [
    "EVIDENCE_COLUMNS",
    "Source",
    "accepted_before",
    "handled_sources",
    "insert_accepted",
    "insert_rejects",
    "signal_anchors",
]

Source = tuple[str, int, int]  # (topic, partition, offset)

# The columns of an accepted signal's row that keep its evidence (hub.pipeline.evidence) until
# it expires (hub.store.evidence_purge).
EVIDENCE_COLUMNS = (
    "severity",
    "window_start",
    "window_end",
    "order_count",
    "amount_fen",
    "order_refs",
    "waybill_refs",
    "note",
    "subject",
    "record_at",
    "expires_at",
)


def handled_sources(connection: sa.Connection, sources: Collection[Source]) -> set[Source]:
    """Those of these records that have their ledger row already."""
    # One offset range per partition, not one condition per record: a batch spans few
    # partitions, and the ledger's unique source index answers each range directly.
    ranges: dict[tuple[str, int], list[int]] = {}
    for topic, partition, offset in sources:
        ranges.setdefault((topic, partition), []).append(offset)
    conditions = [
        sa.and_(
            ledger.c.source_topic == topic,
            ledger.c.source_partition == partition,
            ledger.c.source_offset.between(min(offsets), max(offsets)),
        )
        for (topic, partition), offsets in sorted(ranges.items())
    ]
    rows = connection.execute(
        sa.select(ledger.c.source_topic, ledger.c.source_partition, ledger.c.source_offset).where(
            sa.or_(*conditions)
        )
    )
    found = {(r.source_topic, r.source_partition, r.source_offset) for r in rows}
    return found & set(sources)


def accepted_before(
    connection: sa.Connection, keys: Collection[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Those of these (reporter, signal id) keys accepted before."""
    if not keys:
        return set()
    # Two plain IN lists (a batch has few reporters) use the (reporter, signal id) key and
    # cost far less to build than a list of pairs; the pairs then decide.
    rows = connection.execute(
        sa.select(accepted_signals.c.reporter, accepted_signals.c.signal_id)
        .where(accepted_signals.c.reporter.in_(sorted({reporter for reporter, _ in keys})))
        .where(accepted_signals.c.signal_id.in_(sorted({signal_id for _, signal_id in keys})))
    )
    return {(r.reporter, r.signal_id) for r in rows} & set(keys)


def insert_accepted(
    connection: sa.Connection, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """Keep accepted signals, each row the values of `columns` (accepted_signals columns)."""
    bulk_insert(connection, accepted_signals, columns, rows)


def insert_rejects(connection: sa.Connection, rows: Sequence[Mapping[str, object]]) -> None:
    """Keep rejects (the outbox of alliance.rejected: sent_at stays null)."""
    if rows:
        connection.execute(rejects.insert(), rows)


def signal_anchors(
    connection: sa.Connection, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, tuple[str, str] | None]]:
    """(reporter, signal id) -> (its cluster now, its anchor identifier if it had one)."""
    if not keys:
        return {}
    t = accepted_signals.c
    rows = connection.execute(
        sa.select(t.reporter, t.signal_id, t.cluster_id, t.anchor_scheme, t.anchor_value)
        .where(t.reporter.in_(sorted({reporter for reporter, _ in keys})))
        .where(t.signal_id.in_(sorted({signal_id for _, signal_id in keys})))
    )
    wanted = set(keys)
    return {
        (r.reporter, r.signal_id): (
            r.cluster_id,
            (r.anchor_scheme, r.anchor_value) if r.anchor_scheme is not None else None,
        )
        for r in rows
        if (r.reporter, r.signal_id) in wanted
    }
