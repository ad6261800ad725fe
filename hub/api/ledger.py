"""The ledger's signed tree heads and proofs over HTTP: what a member or an auditor needs to
check the hub's history without the hub's database.

    GET /ledger/heads                  the latest head and the history, largest first, paged
    GET /ledger/proof/{seq}            inclusion of row `seq` in the latest head (or ?size=)
    GET /ledger/consistency?from=&to=  the tree of head `to` extends that of head `from`

Heads are public to members: a head only a few can see protects nobody. An inclusion proof
carries the row itself (the list its row_hash is computed from) only for operators and
auditors, since a row names another member's signals and instructions; a member gets the
row's hash and checks a row it holds. Proof shapes: docs/ledger.md.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from hub.api.access import READERS, require
from hub.api.errors import ApiError, NotFound
from hub.api.tokens import Principal
from hub.ledger.tree_heads import (
    SignedTreeHead,
    consistency,
    hashed_row,
    head_for_size,
    head_history,
    inclusion,
    latest_head,
    row_leaf,
)
from hub.store.errors import reading
from hub.store.tree_heads import ledger_row

__all__ = ["ConsistencyOut", "HeadOut", "HeadsOut", "InclusionOut", "router"]

router = APIRouter(tags=["ledger"])
HEAD_READERS = (*READERS, "member")


class HeadOut(BaseModel):
    """A signed tree head: the signature covers the other fields (docs/ledger.md)."""

    tree_size: int
    root_hash: str  # hex
    timestamp: str  # ISO-8601 UTC with milliseconds, exactly as signed
    key_id: str
    signature: str  # standard base64


class HeadsOut(BaseModel):
    latest: HeadOut | None
    heads: list[HeadOut]
    next_below: int | None  # pass as ?below= for the next page; None: this was the last


class InclusionOut(BaseModel):
    seq: int
    leaf_index: int
    tree_size: int
    row_hash: str
    leaf_hash: str
    audit_path: list[str]
    head: HeadOut
    row: list[Any] | None  # operators and auditors only


class ConsistencyOut(BaseModel):
    first: HeadOut
    second: HeadOut
    proof: list[str]


def head_out(head: SignedTreeHead) -> HeadOut:
    return HeadOut.model_validate(head.as_json())


@router.get("/ledger/heads", response_model=HeadsOut)
def heads(
    request: Request,
    _: Annotated[Principal, Depends(require(*HEAD_READERS))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    below: Annotated[int | None, Query(ge=1)] = None,
) -> HeadsOut:
    """The latest signed tree head and the heads before it, largest first: `limit` per page,
    the next page from `below` (the smallest size seen)."""
    with reading(request.app.state.engine) as connection:
        latest = latest_head(connection)
        page = head_history(connection, limit, below)
    more = len(page) == limit and page[-1].tree_size > 1
    return HeadsOut(
        latest=None if latest is None else head_out(latest),
        heads=[head_out(h) for h in page],
        next_below=page[-1].tree_size if more else None,
    )


@router.get("/ledger/proof/{seq}", response_model=InclusionOut)
def proof(
    request: Request,
    principal: Annotated[Principal, Depends(require(*HEAD_READERS))],
    seq: Annotated[int, Path(ge=1)],
    size: Annotated[int | None, Query(ge=1)] = None,
) -> InclusionOut:
    """The audit path of ledger row `seq` to the root of the latest signed head, or of the head
    signed for `size` rows; 404 when there is no such head or the row is not inside it."""
    with reading(request.app.state.engine) as connection:
        head = latest_head(connection) if size is None else head_for_size(connection, size)
        if head is None:
            raise NotFound("no signed tree head of that size (see GET /ledger/heads)")
        if seq > head.tree_size:
            raise NotFound("the row is not in that head's tree")
        row = ledger_row(connection, seq)
        if row is None:
            raise NotFound("the ledger has no such row")
        path = inclusion(connection, seq, head.tree_size)
    full = principal.role in READERS
    return InclusionOut(
        seq=seq,
        leaf_index=seq - 1,
        tree_size=head.tree_size,
        row_hash=row.row_hash,
        leaf_hash=row_leaf(row.row_hash).hex(),
        audit_path=[p.hex() for p in path],
        head=head_out(head),
        row=hashed_row(row) if full else None,
    )


@router.get("/ledger/consistency", response_model=ConsistencyOut)
def consistency_between(
    request: Request,
    _: Annotated[Principal, Depends(require(*HEAD_READERS))],
    first: Annotated[int, Query(alias="from", ge=1)],
    second: Annotated[int | None, Query(alias="to", ge=1)] = None,
) -> ConsistencyOut:
    """The proof that the tree of the head signed for `to` rows (default: the latest head)
    extends the tree of the head signed for `from` rows; both must be signed heads."""
    with reading(request.app.state.engine) as connection:
        old = head_for_size(connection, first)
        new = latest_head(connection) if second is None else head_for_size(connection, second)
        if old is None or new is None:
            raise NotFound("no signed tree head of that size (see GET /ledger/heads)")
        if old.tree_size > new.tree_size:
            raise ApiError("from must not be larger than to")
        path = consistency(connection, old.tree_size, new.tree_size)
    return ConsistencyOut(first=head_out(old), second=head_out(new), proof=[p.hex() for p in path])
