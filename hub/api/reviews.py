"""The review queue through the API (issue 15 item 7): readers list the items (listing
candidates, bridging links, sanctions awaiting confirmation) and read one with the evidence it
rests on; operators confirm or dismiss an open one, through hub.lists.reviews.decide_review,
in one transaction.

Pages are keyset pages in (due, id) order with an opaque cursor, as /lists/entries has them.
"""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from alliance_connector.messages import ListType, SignalCategory
from hub.api.access import READERS, may_write, require
from hub.api.entries import decode_cursor, encode_cursor
from hub.api.evidence_models import CorrelationOut, EvidenceOut, correlation_out, evidence_out
from hub.api.tokens import Principal
from hub.errors import UnknownReview
from hub.lists.reviews import decide_review
from hub.sanctions.decisions import Decision
from hub.store.errors import reading, transaction
from hub.store.evidence_reads import correlations_of, evidence_of, signal_evidence
from hub.store.review_reads import AssertionRecord, assertions_of_edge, entry_brief, find_reviews
from hub.store.reviews import Review, ReviewKind, ReviewState, review_of

__all__ = [
    "AssertionOut",
    "ReviewDetailOut",
    "ReviewOut",
    "ReviewPageOut",
    "assertion_out",
    "get_review",
    "list_reviews",
    "router",
]

router = APIRouter(tags=["reviews"])

# A candidate's newest evidence rows and parcel correlations; the rest stay in the store
# (GET /subjects/{cluster_id}/evidence pages through them).
EVIDENCE_SHOWN = 50


class ReviewOut(BaseModel):
    review_id: str
    kind: ReviewKind
    state: ReviewState
    cluster_id: str | None
    entry_id: str | None
    member_id: str | None
    action: str | None
    detail: dict[str, Any]  # the item's cause as the hub recorded it: tokens only
    opened_at: datetime
    due_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None


class ReviewPageOut(BaseModel):
    reviews: list[ReviewOut]
    next: str | None
    total: int


class EndOut(BaseModel):
    scheme: str
    value: str
    cluster_id: str | None  # the cluster the identifier is in now


class AssertionOut(BaseModel):
    a: EndOut
    b: EndOut
    asserted_by: str  # a member, or "operator" for a confirmed link
    signal_id: str  # the asserting signal, or the review item that confirmed it
    kind: str  # strong | weak | mention | confirmed
    held: bool  # it would bridge two credit codes or resident ids: it joins nothing
    asserted_at: datetime
    withdrawn_at: datetime | None
    withdrawal_id: str | None


class EntryBriefOut(BaseModel):
    entry_id: str
    list_type: str
    category: str
    status: str
    subject_name: str


class ReviewDetailOut(ReviewOut):
    # BRIDGE: every assertion of the bridging link; the asserting signal's evidence.
    assertions: list[AssertionOut]
    # BRIDGE: the asserting signal's row; CANDIDATE: the cluster's newest rows. Either in
    # the subject evidence route's shape, without a cluster id: the item carries its cluster.
    evidence: list[EvidenceOut]
    correlations: list[CorrelationOut]  # CANDIDATE: the cluster's empty-parcel correlations
    entry: EntryBriefOut | None  # SANCTION: the entry the action waits on


class DecisionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    # A listing candidate's list and category, when confirming it.
    list_type: ListType | None = None
    category: SignalCategory | None = None


class DismissIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DecisionOut(BaseModel):
    review_id: str
    state: ReviewState
    issued: list[str]  # instruction ids issued by the decision
    lifted: list[str]  # LIFT instruction ids
    entry_id: str | None  # a SANCTION item's entry, or a confirmed candidate's new one


def review_out(review: Review) -> ReviewOut:
    return ReviewOut.model_validate(asdict(review))


def assertion_out(record: AssertionRecord) -> AssertionOut:
    return AssertionOut(
        a=EndOut(scheme=record.a[0], value=record.a[1], cluster_id=record.a_cluster),
        b=EndOut(scheme=record.b[0], value=record.b[1], cluster_id=record.b_cluster),
        asserted_by=record.asserted_by,
        signal_id=record.signal_id,
        kind=record.kind,
        held=record.held,
        asserted_at=record.asserted_at,
        withdrawn_at=record.withdrawn_at,
        withdrawal_id=record.withdrawal_id,
    )


def _detail(connection: sa.Connection, review: Review) -> ReviewDetailOut:
    assertions: list[AssertionOut] = []
    evidence: list[EvidenceOut] = []
    correlations: list[CorrelationOut] = []
    entry = None
    detail = review.detail
    if review.kind is ReviewKind.BRIDGE:
        a, b = ((str(end["scheme"]), str(end["value"])) for end in detail["link"])
        assertions = [assertion_out(r) for r in assertions_of_edge(connection, a, b)]
        found = signal_evidence(connection, str(detail["asserted_by"]), str(detail["signal_id"]))
        evidence = [evidence_out(found)] if found else []
    elif review.kind is ReviewKind.CANDIDATE and review.cluster_id:
        page = evidence_of(connection, review.cluster_id, limit=EVIDENCE_SHOWN)
        evidence = [evidence_out(e) for e in page.evidence]
        pairs = correlations_of(connection, review.cluster_id, limit=EVIDENCE_SHOWN)
        correlations = [correlation_out(p) for p in pairs]
    elif review.kind is ReviewKind.SANCTION and review.entry_id:
        brief = entry_brief(connection, review.entry_id)
        entry = EntryBriefOut.model_validate(asdict(brief)) if brief else None
    return ReviewDetailOut(
        **review_out(review).model_dump(),
        assertions=assertions,
        evidence=evidence,
        correlations=correlations,
        entry=entry,
    )


@router.get("/reviews", response_model=ReviewPageOut)
def list_reviews(
    request: Request,
    _: Annotated[Principal, Depends(require(*READERS))],
    state: ReviewState = ReviewState.OPEN,
    kind: ReviewKind | None = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ReviewPageOut:
    """Review items in `state` (OPEN unless asked) and of `kind` (any unless asked), earliest
    due first; `total` counts every item the filters admit, `next` continues after the page."""
    after = decode_cursor(cursor) if cursor else None
    with reading(request.app.state.engine) as connection:
        page = find_reviews(connection, state, kind, after, limit)
    return ReviewPageOut(
        reviews=[review_out(r) for r in page.items],
        next=encode_cursor(page.last_id) if page.last_id is not None else None,
        total=page.total,
    )


@router.get("/reviews/{review_id}", response_model=ReviewDetailOut)
def get_review(
    request: Request,
    review_id: Annotated[str, Path(max_length=64)],
    _: Annotated[Principal, Depends(require(*READERS))],
) -> ReviewDetailOut:
    """One item with what it rests on: a bridge's assertions and its signal's evidence, a
    candidate's evidence and parcel correlations, a sanction's list entry."""
    with reading(request.app.state.engine) as connection:
        review = review_of(connection, review_id)
        if review is None:
            raise UnknownReview()
        return _detail(connection, review)


def _decided(decision: Decision) -> DecisionOut:
    return DecisionOut(
        review_id=decision.review_id,
        state=decision.state,
        issued=[i.instruction_id for i in decision.issued],
        lifted=[i.instruction_id for i in decision.lifted],
        entry_id=decision.entry_id,
    )


def _decide(
    request: Request,
    review_id: str,
    principal: Principal,
    confirm: bool,
    reason: str,
    list_type: ListType | None = None,
    category: SignalCategory | None = None,
) -> DecisionOut:
    actor, now = f"api:{principal.token_id}", datetime.now(UTC)
    with transaction(request.app.state.engine) as connection:
        decision = decide_review(
            connection,
            review_id,
            confirm,
            actor,
            reason,
            request.app.state.policy,
            now,
            list_type=list_type,
            category=category,
        )
    return _decided(decision)


@router.post("/reviews/{review_id}/confirm", response_model=DecisionOut)
def confirm_review(
    request: Request,
    review_id: Annotated[str, Path(max_length=64)],
    body: DecisionIn,
    principal: Annotated[Principal, Depends(may_write)],
) -> DecisionOut:
    """Confirm an open item: a bridge's two identifiers are one subject (the clusters merge),
    a sanction is issued, a candidate is listed (`list_type`, `category`). 404 unknown, 409
    decided already, 422 a reason naming a person or an option the item does not take."""
    return _decide(request, review_id, principal, True, body.reason, body.list_type, body.category)


@router.post("/reviews/{review_id}/dismiss", response_model=DecisionOut)
def dismiss_review(
    request: Request,
    review_id: Annotated[str, Path(max_length=64)],
    body: DismissIn,
    principal: Annotated[Principal, Depends(may_write)],
) -> DecisionOut:
    """Dismiss an open item with a reason: nothing follows, and it never reopens."""
    return _decide(request, review_id, principal, False, body.reason)
