"""The review queue in the store: the one writer of `reviews` rows and the one recipe for
their ids, so the same cause (a bridging link, a sanction awaiting confirmation, a listing
candidate) opens one item however often it recurs, and a decided item is never reopened.

Kinds and states are the queue's vocabulary (hub.domain.reviews would be their home if they
grew rules of their own); `detail` is the item's cause as JSON, with tokens only.
"""

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from hub.store.schema import reviews
from hub.store.timestamps import as_utc
from hub.store.upsert import insert_ignore

__all__ = [
    "NewReview",
    "Review",
    "ReviewKind",
    "ReviewState",
    "decide",
    "mark_moot",
    "open_of_entry",
    "open_reviews",
    "review_from_row",
    "review_id",
    "review_of",
    "review_states",
]


class ReviewKind(StrEnum):
    CANDIDATE = "CANDIDATE"  # an unlisted subject reported enough to be listed
    BRIDGE = "BRIDGE"  # a link that would join two credit codes or resident ids
    SANCTION = "SANCTION"  # an action the policy has an operator confirm


class ReviewState(StrEnum):
    OPEN = "OPEN"
    CONFIRMED = "CONFIRMED"
    DISMISSED = "DISMISSED"
    MOOT = "MOOT"  # its cause went away before a decision (the entry delisted, the link withdrawn)


def review_id(kind: ReviewKind, *cause: str) -> str:
    """The item's id, deterministic in its cause."""
    key = "\x1f".join((str(kind), *cause))
    return "rev-" + hashlib.sha256(key.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class NewReview:
    review_id: str
    kind: ReviewKind
    detail: Mapping[str, Any]
    due_at: datetime
    cluster_id: str | None = None
    entry_id: str | None = None
    member_id: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class Review:
    review_id: str
    kind: ReviewKind
    state: ReviewState
    cluster_id: str | None
    entry_id: str | None
    member_id: str | None
    action: str | None
    detail: dict[str, Any]
    opened_at: datetime
    due_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None


def open_reviews(connection: sa.Connection, items: Sequence[NewReview], now: datetime) -> None:
    """Store the items whose ids are not stored yet (one statement, no read: it runs inside a
    worker batch); an item decided before stays decided."""
    rows = {
        item.review_id: {
            "review_id": item.review_id,
            "kind": str(item.kind),
            "state": str(ReviewState.OPEN),
            "cluster_id": item.cluster_id,
            "entry_id": item.entry_id,
            "member_id": item.member_id,
            "action": item.action,
            "detail": json.dumps(item.detail, sort_keys=True, ensure_ascii=False),
            "opened_at": now,
            "due_at": item.due_at,
        }
        for item in items
    }
    insert_ignore(connection, reviews, [rows[k] for k in sorted(rows)])


def review_states(connection: sa.Connection, ids: Collection[str]) -> dict[str, ReviewState]:
    """The state of each of these items that is stored."""
    if not ids:
        return {}
    rows = connection.execute(
        sa.select(reviews.c.review_id, reviews.c.state).where(reviews.c.review_id.in_(sorted(ids)))
    )
    return {r.review_id: ReviewState(r.state) for r in rows}


def review_from_row(row: sa.Row[Any]) -> Review:
    """A `reviews` row as the item it stores (hub.store.review_reads pages through them)."""
    return Review(
        row.review_id,
        ReviewKind(row.kind),
        ReviewState(row.state),
        row.cluster_id,
        row.entry_id,
        row.member_id,
        row.action,
        json.loads(row.detail),
        as_utc(row.opened_at),
        as_utc(row.due_at),
        as_utc(row.decided_at) if row.decided_at else None,
        row.decided_by,
        row.decision_reason,
    )


def review_of(connection: sa.Connection, review: str, lock: bool = False) -> Review | None:
    """The item, or None; `lock` holds its row until the transaction ends (a decision)."""
    query = sa.select(reviews).where(reviews.c.review_id == review)
    row = connection.execute(query.with_for_update() if lock else query).one_or_none()
    return review_from_row(row) if row else None


def decide(
    connection: sa.Connection,
    review: str,
    state: ReviewState,
    by: str,
    reason: str,
    now: datetime,
) -> bool:
    """Record the decision on an OPEN item; False if it is not open (decided already)."""
    result = connection.execute(
        reviews.update()
        .where(reviews.c.review_id == review, reviews.c.state == str(ReviewState.OPEN))
        .values(state=str(state), decided_at=now, decided_by=by[:63], decision_reason=reason)
    )
    return bool(result.rowcount)


def open_of_entry(connection: sa.Connection, entry_id: str, kind: ReviewKind) -> list[Review]:
    """The entry's open items of this kind, by id."""
    rows = connection.execute(
        sa.select(reviews)
        .where(
            reviews.c.entry_id == entry_id,
            reviews.c.kind == str(kind),
            reviews.c.state == str(ReviewState.OPEN),
        )
        .order_by(reviews.c.review_id)
    )
    return [review_from_row(r) for r in rows]


def mark_moot(connection: sa.Connection, ids: Collection[str], reason: str, now: datetime) -> None:
    """Mark these open items MOOT: their cause went away before a decision."""
    if ids:
        connection.execute(
            reviews.update()
            .where(reviews.c.review_id.in_(sorted(ids)), reviews.c.state == str(ReviewState.OPEN))
            .values(
                state=str(ReviewState.MOOT),
                decided_at=now,
                decided_by="hub",
                decision_reason=reason,
            )
        )
