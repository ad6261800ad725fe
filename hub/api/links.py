"""Identity links through the API (issue 15 item 3): readers see one cluster's link assertions,
withdrawn ones included, each with its state; operators withdraw one assertion, every
assertion of one signal, or every assertion of one member, through
hub.sanctions.withdrawal.withdraw_links in one transaction: the clusters split where nothing
joins them any more, and every instruction whose basis is gone is lifted.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, model_validator

from alliance_connector.identifiers import IdentifierScheme, personal_pattern
from hub.api.access import READERS, may_write, require
from hub.api.errors import NotFound
from hub.api.reviews import AssertionOut, assertion_out
from hub.api.tokens import Principal
from hub.domain.links import OPERATOR, Edge, LinkKind, LinkRow, edge, joining_edges
from hub.errors import DecisionRefused, UnknownMember
from hub.sanctions.withdrawal import withdraw_links
from hub.store.errors import reading, transaction
from hub.store.matching import entries_naming_cluster
from hub.store.members import is_member
from hub.store.review_reads import AssertionRecord, assertions_of_cluster
from hub.store.subjects import identifiers_in

__all__ = ["AssertionState", "LinksOut", "cluster_links", "router", "withdraw"]

router = APIRouter(tags=["links"])

# withdrawn: counts for nothing; held: would bridge two credit codes or resident ids, waits
# in the review queue; evidence: another member's store or account named, never a join;
# waiting: a weak link not yet corroborated; joining: it holds its two ends in one cluster.
AssertionState = Literal["withdrawn", "held", "evidence", "waiting", "joining"]


class StatedAssertionOut(AssertionOut):
    state: AssertionState


class IdentifierOut(BaseModel):
    scheme: str
    value: str


class NamingEntryOut(BaseModel):
    entry_id: str
    list_type: str
    status: str


class LinksOut(BaseModel):
    cluster_id: str
    identifiers: list[IdentifierOut]
    entries: list[NamingEntryOut]  # the list entries naming the cluster, any status
    assertions: list[StatedAssertionOut]
    more: bool  # there are assertions past `limit`


class LinkEndIn(BaseModel):
    scheme: IdentifierScheme
    value: str = Field(min_length=1, max_length=128)


class WithdrawIn(BaseModel):
    member: str = Field(min_length=1, max_length=63)  # a member, or "operator"
    signal_id: str | None = Field(default=None, min_length=1, max_length=64)
    link: list[LinkEndIn] | None = Field(default=None, min_length=2, max_length=2)
    reason: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _link_of_one_signal(self) -> Self:
        if self.link is not None and self.signal_id is None:
            raise ValueError("a link is withdrawn from one signal: give its signal_id")
        return self


class SplitOut(BaseModel):
    cluster_id: str
    into: list[str]  # every part, the old id first


class WithdrawalOut(BaseModel):
    withdrawal_id: str
    assertions: int  # assertions withdrawn
    splits: list[SplitOut]
    lifted: list[str]  # LIFT instruction ids
    issued: list[str]  # instruction ids issued (a remaining tie now reaches further)


def _state(record: AssertionRecord, joined: set[Edge]) -> AssertionState:
    if record.withdrawn_at is not None:
        return "withdrawn"
    if record.held:
        return "held"
    if record.kind == LinkKind.MENTION:
        return "evidence"
    return "joining" if (record.a, record.b) in joined else "waiting"


def _row(record: AssertionRecord) -> LinkRow:
    gone = record.withdrawn_at is not None
    return LinkRow(
        record.a, record.b, record.asserted_by, record.signal_id, record.kind, record.held, gone
    )


@router.get("/links", response_model=LinksOut)
def cluster_links(
    request: Request,
    cluster_id: Annotated[str, Query(min_length=1, max_length=36)],
    _: Annotated[Principal, Depends(require(*READERS))],
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> LinksOut:
    """The cluster's identifiers, the entries naming it, and the assertions with either end in
    it (withdrawn ones included), each with its state; 404 for a cluster with no identifier."""
    with reading(request.app.state.engine) as connection:
        identifiers = identifiers_in(connection, cluster_id)
        if not identifiers:
            raise NotFound("no subject cluster has this id")
        records, more = assertions_of_cluster(connection, cluster_id, limit)
        entries = entries_naming_cluster(connection, cluster_id)
    corroboration = request.app.state.policy.safeguards.weak_corroboration
    joined = set(joining_edges([_row(r) for r in records], corroboration))
    return LinksOut(
        cluster_id=cluster_id,
        identifiers=[IdentifierOut(scheme=s, value=v) for s, v in identifiers],
        entries=[
            NamingEntryOut(entry_id=e.entry_id, list_type=str(e.list_type), status=str(e.status))
            for e in entries
        ],
        assertions=[
            StatedAssertionOut(**assertion_out(r).model_dump(), state=_state(r, joined))
            for r in records
        ],
        more=more,
    )


@router.post("/links/withdraw", response_model=WithdrawalOut)
def withdraw(
    request: Request,
    body: WithdrawIn,
    principal: Annotated[Principal, Depends(may_write)],
) -> WithdrawalOut:
    """Withdraw the member's standing assertions: all of them, one signal's (`signal_id`), or
    one link of one signal (`signal_id` and `link`); `member` "operator" withdraws links an
    operator confirmed. 404 for an unknown member or nothing standing to withdraw, 422 for a
    reason naming a person or a link end that is a personal identifier in clear."""
    if personal_pattern(body.reason) is not None:
        rule = "must not hold a resident id or mobile number: name the subject by its ids"
        raise DecisionRefused("reason", rule)
    link = None
    if body.link is not None:
        if any(personal_pattern(end.value) is not None for end in body.link):
            # Never stored in clear, so it could match nothing: say why rather than 404.
            raise DecisionRefused("link", "give personal identifiers as their tokens")
        first, second = body.link
        link = edge((str(first.scheme), first.value), (str(second.scheme), second.value))
    actor, now = f"api:{principal.token_id}", datetime.now(UTC)
    with transaction(request.app.state.engine) as connection:
        if body.member != OPERATOR and not is_member(connection, body.member):
            raise UnknownMember()
        done = withdraw_links(
            connection,
            body.member,
            actor,
            body.reason,
            request.app.state.policy,
            now,
            signal_id=body.signal_id,
            link=link,
        )
    return WithdrawalOut(
        withdrawal_id=done.withdrawal_id,
        assertions=done.assertions,
        splits=[SplitOut(cluster_id=c, into=parts) for c, parts in sorted(done.splits.items())],
        lifted=[i.instruction_id for i in done.lifted],
        issued=[i.instruction_id for i in done.issued],
    )
