"""Subject clusters in the store: which cluster each identifier belongs to, and the writes that
link identifiers into clusters and merge clusters (hub.pipeline.linking decides which).

Identifiers are (scheme, value) pairs, as the tables hold them.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

import sqlalchemy as sa

from alliance_connector.identifiers import Identifier, IdentifierScheme
from hub.domain.links import Key
from hub.store.schema import (
    accepted_signals,
    parcel_correlations,
    reviews,
    subject_identifiers,
    waybill_citations,
)
from hub.store.upsert import insert_ignore

__all__ = [
    "CHUNK",
    "CLUSTERED",
    "cluster_identifiers",
    "clusters_of",
    "identifiers_in",
    "insert_links",
    "merge_clusters",
    "public_identifiers",
    "same_identifier",
    "split_cluster",
]

CHUNK = 500  # pairs per IN clause: far under every backend's parameter limit


def same_identifier(table: sa.Table) -> sa.ColumnElement[bool]:
    """The join of `table`'s (scheme, value) with a subject's identifier."""
    return sa.and_(
        subject_identifiers.c.scheme == table.c.scheme,
        subject_identifiers.c.value == table.c.value,
    )


def clusters_of(connection: sa.Connection, keys: Iterable[Key]) -> dict[Key, str]:
    """The cluster of each identifier already known."""
    wanted = sorted(set(keys))
    found: dict[Key, str] = {}
    for start in range(0, len(wanted), CHUNK):
        by_scheme: dict[str, list[str]] = {}
        for scheme, value in wanted[start : start + CHUNK]:
            by_scheme.setdefault(scheme, []).append(value)
        # One (scheme, values) condition per scheme, not a list of pairs: SQLite answers
        # pairs (a row-value IN) by scanning the whole table, and each of these from the key.
        rows = connection.execute(
            sa.select(
                subject_identifiers.c.scheme,
                subject_identifiers.c.value,
                subject_identifiers.c.cluster_id,
            ).where(
                sa.or_(
                    *(
                        sa.and_(
                            subject_identifiers.c.scheme == scheme,
                            subject_identifiers.c.value.in_(values),
                        )
                        for scheme, values in by_scheme.items()
                    )
                )
            )
        )
        found.update({(r.scheme, r.value): r.cluster_id for r in rows})
    return found


# Every table that names a subject cluster: a merge or a split moves their rows.
CLUSTERED = (
    subject_identifiers,
    accepted_signals,  # with the evidence the signals carried
    waybill_citations,
    parcel_correlations,
    reviews,
)


def merge_clusters(connection: sa.Connection, absorbed: Sequence[str], survivor: str) -> None:
    """Move everything of the `absorbed` clusters (`CLUSTERED`) to `survivor`."""
    for table in CLUSTERED:
        connection.execute(
            table.update().where(table.c.cluster_id.in_(absorbed)).values(cluster_id=survivor)
        )


def insert_links(connection: sa.Connection, links: Sequence[tuple[Key, str]]) -> None:
    """Store each (identifier, cluster) link not stored yet."""
    insert_ignore(
        connection,
        subject_identifiers,
        [{"scheme": s, "value": v, "cluster_id": c} for (s, v), c in links],
    )


def cluster_identifiers(
    connection: sa.Connection, clusters: Collection[str]
) -> dict[str, set[tuple[str, str]]]:
    """cluster -> its identifiers, as (scheme, value)."""
    rows = connection.execute(
        sa.select(
            subject_identifiers.c.cluster_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        ).where(subject_identifiers.c.cluster_id.in_(sorted(clusters)))
    )
    identifiers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in rows:
        identifiers[r.cluster_id].add((r.scheme, r.value))
    return dict(identifiers)


def identifiers_in(connection: sa.Connection, cluster: str) -> list[Key]:
    """The cluster's identifiers, ordered by scheme and value (by the database's collation)."""
    rows = connection.execute(
        sa.select(subject_identifiers.c.scheme, subject_identifiers.c.value)
        .where(subject_identifiers.c.cluster_id == cluster)
        .order_by(subject_identifiers.c.scheme, subject_identifiers.c.value)
    )
    return [(r.scheme, r.value) for r in rows]


def public_identifiers(
    connection: sa.Connection, clusters: Collection[str]
) -> dict[str, list[Identifier]]:
    """cluster -> its USCCs: public, so every member may be told them."""
    # By cluster only: with the scheme in the query too, SQLite walks every USCC it knows.
    rows = connection.execute(
        sa.select(
            subject_identifiers.c.cluster_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        )
        .where(subject_identifiers.c.cluster_id.in_(sorted(clusters)))
        .order_by(subject_identifiers.c.value)
    )
    found: dict[str, list[Identifier]] = defaultdict(list)
    for r in rows:
        if r.scheme == IdentifierScheme.USCC:
            found[r.cluster_id].append(Identifier(IdentifierScheme.USCC, r.value))
    return dict(found)


def _in_keys(
    scheme_col: sa.ColumnElement[str], value_col: sa.ColumnElement[str], keys: Iterable[Key]
) -> sa.ColumnElement[bool]:
    by_scheme: dict[str, list[str]] = defaultdict(list)
    for scheme, value in keys:
        by_scheme[scheme].append(value)
    return sa.or_(
        *(sa.and_(scheme_col == s, value_col.in_(sorted(v))) for s, v in sorted(by_scheme.items()))
    )


def split_cluster(connection: sa.Connection, old: str, parts: Mapping[str, Sequence[Key]]) -> None:
    """Move the identifiers in each of `parts` (new cluster -> its identifiers) out of `old`,
    with the signals anchored on them and the rows naming those signals."""
    for new, keys in sorted(parts.items()):
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            connection.execute(
                subject_identifiers.update()
                .where(subject_identifiers.c.cluster_id == old)
                .where(_in_keys(subject_identifiers.c.scheme, subject_identifiers.c.value, chunk))
                .values(cluster_id=new)
            )
            connection.execute(
                accepted_signals.update()
                .where(accepted_signals.c.cluster_id == old)
                .where(
                    _in_keys(
                        accepted_signals.c.anchor_scheme, accepted_signals.c.anchor_value, chunk
                    )
                )
                .values(cluster_id=new)
            )
        for table, reporter, signal in (
            (waybill_citations, waybill_citations.c.reporter, waybill_citations.c.signal_id),
            (
                parcel_correlations,
                parcel_correlations.c.platform_reporter,
                parcel_correlations.c.platform_signal,
            ),
        ):
            moved = (
                sa.select(accepted_signals.c.signal_id)
                .where(accepted_signals.c.cluster_id == new)
                .where(accepted_signals.c.reporter == reporter)
                .where(accepted_signals.c.signal_id == signal)
            )
            connection.execute(
                table.update()
                .where(table.c.cluster_id == old)
                .where(sa.exists(moved))
                .values(cluster_id=new)
            )
