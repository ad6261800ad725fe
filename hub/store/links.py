"""Identity links in the store: the assertions (who said two identifiers are one subject, in
which signal, of which kind) and the reads linking, sanctions and withdrawal make of them.
hub.pipeline.linking decides what an assertion is and whether it joins; this module only
keeps and finds them.

An edge is stored with its ends in order (a < b), so one pair has one spelling.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.domain.links import Edge, Key, LinkRow
from hub.store.schema import identity_links, subject_identifiers
from hub.store.subjects import CHUNK
from hub.store.upsert import insert_ignore

__all__ = [
    "bridged_identifiers",
    "insert_assertions",
    "links_within",
    "weak_support",
    "withdraw",
]


def insert_assertions(
    connection: sa.Connection,
    rows: Sequence[tuple[Edge, str, str, str, bool]],
    now: datetime,
) -> None:
    """Store each (edge, asserted_by, signal_id, kind, held) not stored yet."""
    insert_ignore(
        connection,
        identity_links,
        [
            {
                "a_scheme": a[0],
                "a_value": a[1],
                "b_scheme": b[0],
                "b_value": b[1],
                "asserted_by": by,
                "signal_id": signal,
                "kind": kind,
                "held": held,
                "asserted_at": now,
            }
            for (a, b), by, signal, kind, held in rows
        ],
    )


def weak_support(connection: sa.Connection, edges: Iterable[Edge]) -> dict[Edge, set[str]]:
    """The signals (as 'member\\x1fsignal id') that asserted each of these weak edges and
    still count: not withdrawn, not held."""
    wanted = sorted(set(edges))
    found: dict[Edge, set[str]] = defaultdict(set)
    t = identity_links.c
    for start in range(0, len(wanted), CHUNK):
        chunk = set(wanted[start : start + CHUNK])
        by_a: dict[Key, list[Key]] = defaultdict(list)
        for a, b in chunk:
            by_a[a].append(b)
        rows = connection.execute(
            sa.select(t.a_scheme, t.a_value, t.b_scheme, t.b_value, t.asserted_by, t.signal_id)
            .where(t.kind == "weak", t.held.is_(False), t.withdrawn_at.is_(None))
            .where(
                sa.or_(
                    *(
                        sa.and_(
                            t.a_scheme == a[0], t.a_value == a[1], t.b_value.in_(v for _, v in bs)
                        )
                        for a, bs in by_a.items()
                    )
                )
            )
        )
        for r in rows:
            key = ((r.a_scheme, r.a_value), (r.b_scheme, r.b_value))
            if key in chunk:
                found[key].add(f"{r.asserted_by}\x1f{r.signal_id}")
    return dict(found)


def bridged_identifiers(
    connection: sa.Connection, clusters: Collection[str], schemes: Collection[str]
) -> dict[str, set[Key]]:
    """cluster -> its identifiers of these schemes (the credit codes and resident ids that
    must never merge by themselves)."""
    if not clusters:
        return {}
    found: dict[str, set[Key]] = defaultdict(set)
    # By cluster only (the cluster index), the scheme filtered here: see public_identifiers.
    rows = connection.execute(
        sa.select(
            subject_identifiers.c.cluster_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        ).where(subject_identifiers.c.cluster_id.in_(sorted(clusters)))
    )
    for r in rows:
        if r.scheme in schemes:
            found[r.cluster_id].add((r.scheme, r.value))
    return dict(found)


def _link_row(r: Any) -> LinkRow:  # noqa: ANN401 - a row of _COLUMNS
    return LinkRow(
        (r.a_scheme, r.a_value),
        (r.b_scheme, r.b_value),
        r.asserted_by,
        r.signal_id,
        r.kind,
        bool(r.held),
        r.withdrawn_at is not None,
    )


_COLUMNS = (
    identity_links.c.a_scheme,
    identity_links.c.a_value,
    identity_links.c.b_scheme,
    identity_links.c.b_value,
    identity_links.c.asserted_by,
    identity_links.c.signal_id,
    identity_links.c.kind,
    identity_links.c.held,
    identity_links.c.withdrawn_at,
)


def links_within(
    connection: sa.Connection, clusters: Collection[str], withdrawn: bool = False
) -> dict[str, list[LinkRow]]:
    """cluster -> the assertions whose `a` end is in it (both ends are, for a joining link),
    not withdrawn unless `withdrawn`; ordered, so a recomputation walks them the same way."""
    if not clusters:
        return {}
    query = (
        sa.select(subject_identifiers.c.cluster_id, *_COLUMNS)
        .select_from(identity_links)
        .join(
            subject_identifiers,
            sa.and_(
                subject_identifiers.c.scheme == identity_links.c.a_scheme,
                subject_identifiers.c.value == identity_links.c.a_value,
            ),
        )
        .where(subject_identifiers.c.cluster_id.in_(sorted(clusters)))
        .order_by(*_COLUMNS[:6])
    )
    if not withdrawn:
        query = query.where(identity_links.c.withdrawn_at.is_(None))
    found: dict[str, list[LinkRow]] = defaultdict(list)
    for r in connection.execute(query):
        found[r.cluster_id].append(_link_row(r))
    return dict(found)


def withdraw(
    connection: sa.Connection,
    withdrawal_id: str,
    now: datetime,
    asserted_by: str,
    signal_id: str | None = None,
    link: Edge | None = None,
) -> list[LinkRow]:
    """Withdraw the assertions of one member (all of them, one signal's, or one link of one
    signal) not withdrawn yet; return them as they were."""
    t = identity_links.c
    condition = sa.and_(t.asserted_by == asserted_by, t.withdrawn_at.is_(None))
    if signal_id is not None:
        condition = sa.and_(condition, t.signal_id == signal_id)
    if link is not None:
        (a, b) = link
        condition = sa.and_(
            condition,
            t.a_scheme == a[0],
            t.a_value == a[1],
            t.b_scheme == b[0],
            t.b_value == b[1],
        )
    rows = [_link_row(r) for r in connection.execute(sa.select(*_COLUMNS).where(condition))]
    if rows:
        connection.execute(
            identity_links.update()
            .where(condition)
            .values(withdrawn_at=now, withdrawal_id=withdrawal_id)
        )
    return rows
