"""Members of the alliance: operators register them; operators and auditors list them."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from alliance_connector.errors import InvalidMemberId
from alliance_connector.messages import SignalCategory
from hub.api.access import READERS, may_write, require
from hub.api.errors import ApiError, Conflict
from hub.api.tokens import Principal
from hub.errors import StoreConflict
from hub.store.errors import reading, transaction
from hub.store.member_reads import all_members
from hub.store.members import register_member

router = APIRouter(tags=["members"])


class MemberIn(BaseModel):
    member_id: str = Field(max_length=63)
    kind: Literal["platform", "logistics", "other"]
    display_name: str = Field(min_length=1, max_length=200)
    categories: list[SignalCategory] = Field(max_length=len(SignalCategory))


class MemberOut(BaseModel):
    member_id: str
    kind: str
    display_name: str
    created_at: datetime
    categories: list[str]


@router.get("/members", response_model=list[MemberOut])
def list_members(
    request: Request, _: Annotated[Principal, Depends(require(*READERS))]
) -> list[MemberOut]:
    with reading(request.app.state.engine) as connection:
        listed = all_members(connection)
    return [
        MemberOut(
            member_id=m.member_id,
            kind=m.kind,
            display_name=m.display_name,
            created_at=m.created_at,
            categories=m.categories,
        )
        for m in listed
    ]


@router.post("/members", response_model=MemberOut, status_code=201)
def add_member(
    request: Request, body: MemberIn, _: Annotated[Principal, Depends(may_write)]
) -> MemberOut:
    now = datetime.now(UTC)
    try:
        with transaction(request.app.state.engine) as connection:
            member = register_member(
                connection, body.member_id, body.kind, body.display_name, body.categories, now
            )
    except InvalidMemberId as exc:
        raise ApiError(str(exc)) from exc
    except StoreConflict as exc:
        raise Conflict(f"member {body.member_id!r} exists") from exc
    return MemberOut(
        member_id=member,
        kind=body.kind,
        display_name=body.display_name,
        created_at=now,
        categories=sorted(str(c) for c in set(body.categories)),
    )
