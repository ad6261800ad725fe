"""Members of the alliance: operators add, suspend, resume, remove and mend them (each a step
report: the record, then its topics, credential and ACLs on the broker); operators and
auditors list them and see one with its drift from the broker."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, SecretStr

from alliance_connector.errors import InvalidMemberId
from alliance_connector.messages import SignalCategory
from hub.api.access import READERS, may_write, require
from hub.api.errors import ApiError, Conflict
from hub.api.tokens import Principal
from hub.errors import StoreConflict
from hub.membership import lifecycle
from hub.membership.inspection import MemberView, view_member, view_members
from hub.membership.lifecycle import Broker, Change
from hub.store.errors import reading
from hub.store.members import is_member

router = APIRouter(tags=["members"])


class MemberIn(BaseModel):
    member_id: str = Field(max_length=63)
    kind: Literal["platform", "logistics", "other"]
    display_name: str = Field(min_length=1, max_length=200)
    categories: list[SignalCategory] = Field(max_length=len(SignalCategory))
    # The member's broker password, if it chose one; otherwise the hub makes one, shown once.
    broker_password: SecretStr | None = Field(default=None, min_length=16, max_length=200)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class MendIn(BaseModel):
    broker_password: SecretStr | None = Field(default=None, min_length=16, max_length=200)


class StepOut(BaseModel):
    what: str
    outcome: str


class ChangeOut(BaseModel):
    member_id: str
    steps: list[StepOut]
    # Set only when this request set the member's broker credential: store it now.
    broker_password: str | None = None


class MemberOut(BaseModel):
    member_id: str
    kind: str
    display_name: str
    created_at: datetime
    categories: list[str]


class KeyBrief(BaseModel):
    key_id: str
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None


class MemberDetail(MemberOut):
    standing: str  # active, suspended, removed
    standing_since: datetime | None
    standing_reason: str | None
    keys: list[KeyBrief]
    # None: the broker could not be read (broker_error says why); [] : it matches the record.
    drift: list[str] | None
    broker_error: str | None
    mend: str | None  # the command that makes the broker match, when it drifted


def membership_broker(request: Request) -> Broker | None:
    """The broker members are provisioned on (reached only when a step needs it); None if
    the API has none."""
    options = request.app.state.broker_options
    return None if options is None else Broker(options, request.app.state.kafka_confined)


BrokerDep = Annotated[Broker | None, Depends(membership_broker)]


def _change(change: Change) -> ChangeOut:
    return ChangeOut(
        member_id=change.member,
        steps=[StepOut(what=s.what, outcome=s.outcome) for s in change.steps],
        broker_password=change.password,
    )


def _detail(view: MemberView) -> MemberDetail:
    m = view.listing
    return MemberDetail(
        member_id=m.member_id,
        kind=m.kind,
        display_name=m.display_name,
        created_at=m.created_at,
        categories=m.categories,
        standing=view.standing.state,
        standing_since=view.standing.since,
        standing_reason=view.standing.reason,
        keys=[
            KeyBrief(
                key_id=k.key_id,
                valid_from=k.valid_from,
                valid_until=k.valid_until,
                revoked_at=k.revoked_at,
            )
            for k in view.keys
        ],
        drift=view.drift,
        broker_error=view.broker_error,
        mend=view.mend,
    )


@router.get("/members", response_model=list[MemberDetail])
def list_members(
    request: Request,
    _: Annotated[Principal, Depends(require(*READERS))],
    broker: BrokerDep,
    drift: Annotated[bool, Query(description="Also compare each member with the broker.")] = False,
) -> list[MemberDetail]:
    views = view_members(request.app.state.engine, broker if drift else None)
    return [_detail(view) for view in views]


@router.get("/members/{member}", response_model=MemberDetail)
def show_member(
    request: Request,
    member: str,
    _: Annotated[Principal, Depends(require(*READERS))],
    broker: BrokerDep,
) -> MemberDetail:
    """One member: its record, standing, keys, and its drift from the broker."""
    return _detail(view_member(request.app.state.engine, broker, member))


@router.post("/members", response_model=ChangeOut, status_code=201)
def add_member(
    request: Request,
    body: MemberIn,
    principal: Annotated[Principal, Depends(may_write)],
    broker: BrokerDep,
) -> ChangeOut:
    """Register a member and provision its topics, credential and ACLs; 409 if it exists
    (`POST /members/{id}/mend` provisions an existing one again)."""
    with reading(request.app.state.engine) as connection:
        exists = is_member(connection, body.member_id)
    if exists:
        raise Conflict("a member with this id exists")
    password = body.broker_password.get_secret_value() if body.broker_password else None
    try:
        change = lifecycle.add(
            request.app.state.engine,
            broker,
            body.member_id,
            body.kind,
            body.display_name,
            body.categories,
            f"api:{principal.token_id}",
            datetime.now(UTC),
            password,
        )
    except InvalidMemberId as exc:
        raise ApiError(str(exc)) from exc
    except StoreConflict as exc:  # added by another request meanwhile
        raise Conflict("a member with this id exists") from exc
    return _change(change)


@router.post("/members/{member}/suspend", response_model=ChangeOut)
def suspend_member(
    request: Request,
    member: str,
    body: ReasonIn,
    principal: Annotated[Principal, Depends(may_write)],
    broker: BrokerDep,
) -> ChangeOut:
    """Refuse the member's records from now (MEMBER_SUSPENDED) and take its write ACLs."""
    actor, now = f"api:{principal.token_id}", datetime.now(UTC)
    engine = request.app.state.engine
    return _change(lifecycle.suspend(engine, broker, member, body.reason, actor, now))


@router.post("/members/{member}/resume", response_model=ChangeOut)
def resume_member(
    request: Request,
    member: str,
    principal: Annotated[Principal, Depends(may_write)],
    broker: BrokerDep,
) -> ChangeOut:
    actor, now = f"api:{principal.token_id}", datetime.now(UTC)
    return _change(lifecycle.resume(request.app.state.engine, broker, member, actor, now))


@router.post("/members/{member}/remove", response_model=ChangeOut)
def remove_member(
    request: Request,
    member: str,
    body: ReasonIn,
    principal: Annotated[Principal, Depends(may_write)],
    broker: BrokerDep,
) -> ChangeOut:
    """End the membership: keys revoked, credential and ACLs deleted; ledger and history kept."""
    actor, now = f"api:{principal.token_id}", datetime.now(UTC)
    engine = request.app.state.engine
    return _change(lifecycle.remove(engine, broker, member, body.reason, actor, now))


@router.post("/members/{member}/mend", response_model=ChangeOut)
def mend_member(
    request: Request,
    member: str,
    body: MendIn,
    _: Annotated[Principal, Depends(may_write)],
    broker: BrokerDep,
) -> ChangeOut:
    """Make the broker match the member's record again (what its drift lists)."""
    password = body.broker_password.get_secret_value() if body.broker_password else None
    return _change(lifecycle.mend(request.app.state.engine, broker, member, password))
