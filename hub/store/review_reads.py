"""Reading the review queue and what each item rests on, for the API and the console: a keyset
page of items, the link assertions touching an edge or a cluster (withdrawn ones included, with
when and by which withdrawal), and the brief of a list entry a sanction item waits on.

Writing review items is hub.store.reviews' business (its row mapper serves here too), writing
links hub.store.links'. The evidence and parcel correlations an item rests on are read through
hub.store.evidence_reads, which the subject routes use as well and which holds the rules on
what of a row is withheld. Every value read here is as stored: personal identifiers only as
the tokens the signals carried.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.domain.links import Key
from hub.store.reviews import Review, ReviewKind, ReviewState, review_from_row
from hub.store.schema import (
    identity_links,
    list_entries,
    reviews,
    subject_identifiers,
)
from hub.store.subjects import clusters_of
from hub.store.timestamps import as_utc

__all__ = [
    "AssertionRecord",
    "EntryBrief",
    "ReviewPage",
    "assertions_of_cluster",
    "assertions_of_edge",
    "entry_brief",
    "find_reviews",
]


@dataclass(frozen=True)
class ReviewPage:
    items: list[Review]
    total: int  # every item the filters admit, on this page or not
    last_id: str | None  # the page's last item when more may follow, else None


@dataclass(frozen=True)
class AssertionRecord:
    """One link assertion as stored, with the cluster each end is in now (None: in none, as
    a waybill or an identifier never linked)."""

    a: Key
    b: Key
    a_cluster: str | None
    b_cluster: str | None
    asserted_by: str
    signal_id: str
    kind: str
    held: bool
    asserted_at: datetime
    withdrawn_at: datetime | None
    withdrawal_id: str | None


@dataclass(frozen=True)
class EntryBrief:
    entry_id: str
    list_type: str
    category: str
    status: str
    subject_name: str


def _when(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def find_reviews(
    connection: sa.Connection,
    state: ReviewState | None,
    kind: ReviewKind | None,
    after: str | None,
    limit: int,
) -> ReviewPage:
    """At most `limit` items in (due_at, review_id) order, earliest due first, after the item
    `after` (a keyset: an item decided meanwhile leaves the page without shifting the rest)."""
    t = reviews.c
    condition: sa.ColumnElement[bool] = sa.true()
    if state is not None:
        condition = sa.and_(condition, t.state == str(state))
    if kind is not None:
        condition = sa.and_(condition, t.kind == str(kind))
    total = connection.scalar(sa.select(sa.func.count()).select_from(reviews).where(condition))
    query = sa.select(reviews).where(condition)
    if after is not None:
        # The cursor is an id; its due time is read here, so no client ever builds a cursor.
        due = sa.select(t.due_at).where(t.review_id == after).scalar_subquery()
        query = query.where(sa.or_(t.due_at > due, sa.and_(t.due_at == due, t.review_id > after)))
    rows = connection.execute(query.order_by(t.due_at, t.review_id).limit(limit + 1)).all()
    items = [review_from_row(r) for r in rows[:limit]]
    more = len(rows) > limit
    return ReviewPage(items, int(total or 0), items[-1].review_id if more and items else None)


_LINK_COLUMNS = (
    identity_links.c.a_scheme,
    identity_links.c.a_value,
    identity_links.c.b_scheme,
    identity_links.c.b_value,
    identity_links.c.asserted_by,
    identity_links.c.signal_id,
)


def _assertions(connection: sa.Connection, rows: Iterable[Any]) -> list[AssertionRecord]:
    found = {tuple(getattr(r, c.name) for c in _LINK_COLUMNS): r for r in rows}
    ordered = [found[k] for k in sorted(found)]
    ends = {(r.a_scheme, r.a_value) for r in ordered} | {(r.b_scheme, r.b_value) for r in ordered}
    clusters = clusters_of(connection, ends)
    return [
        AssertionRecord(
            (r.a_scheme, r.a_value),
            (r.b_scheme, r.b_value),
            clusters.get((r.a_scheme, r.a_value)),
            clusters.get((r.b_scheme, r.b_value)),
            r.asserted_by,
            r.signal_id,
            r.kind,
            bool(r.held),
            as_utc(r.asserted_at),
            _when(r.withdrawn_at),
            r.withdrawal_id,
        )
        for r in ordered
    ]


def assertions_of_edge(connection: sa.Connection, a: Key, b: Key) -> list[AssertionRecord]:
    """Every assertion of the link between `a` and `b` (either order), withdrawn or not."""
    x, y = (a, b) if a <= b else (b, a)
    t = identity_links.c
    rows = connection.execute(
        sa.select(identity_links).where(
            t.a_scheme == x[0], t.a_value == x[1], t.b_scheme == y[0], t.b_value == y[1]
        )
    )
    return _assertions(connection, rows)


def assertions_of_cluster(
    connection: sa.Connection, cluster: str, limit: int
) -> tuple[list[AssertionRecord], bool]:
    """The assertions with either end in the cluster (a held bridge or a mention reaching
    into it included), withdrawn or not, in edge order; at most `limit`, and whether there
    were more."""
    t, s = identity_links.c, subject_identifiers.c
    rows: list[Any] = []
    # One indexed path per end (the primary key for `a`, ix_identity_links_b for `b`): an OR
    # over both joins would walk the whole table.
    for scheme, value in ((t.a_scheme, t.a_value), (t.b_scheme, t.b_value)):
        rows += connection.execute(
            sa.select(identity_links)
            .join(subject_identifiers, sa.and_(s.scheme == scheme, s.value == value))
            .where(s.cluster_id == cluster)
            .order_by(*_LINK_COLUMNS)
            .limit(limit + 1)
        ).all()
    found = _assertions(connection, rows)
    return found[:limit], len(found) > limit


def entry_brief(connection: sa.Connection, entry_id: str) -> EntryBrief | None:
    """What a review item shows of its list entry; None if there is none."""
    e = list_entries.c
    row = connection.execute(
        sa.select(e.entry_id, e.list_type, e.category, e.status, e.subject_name).where(
            e.entry_id == entry_id
        )
    ).one_or_none()
    if row is None:
        return None
    return EntryBrief(row.entry_id, row.list_type, row.category, row.status, row.subject_name)
