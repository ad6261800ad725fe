"""Objections (异议) and credit repair (信用修复) through the API: operators register and
decide them, auditors read them, and a member reads only the objections it filed on a
subject's behalf (another's answer 404). Routes translate and delegate to hub.lists.objections
and hub.lists.repair, the functions the CLI and the console call too (docs/objections.md)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, BeforeValidator, Field

from hub.api.access import READERS, may_write, require
from hub.api.tokens import Principal
from hub.domain.objections import (
    MAX_DIGESTS,
    GroundsKind,
    ObjectionState,
    RepairState,
    UpheldOutcome,
)
from hub.errors import UnknownObjection
from hub.lists.objections import (
    MAX_TEXT,
    Decided,
    dismiss_objection,
    file_objection,
    uphold_objection,
)
from hub.lists.repair import Repaired, apply_repair, approve_repair, refuse_repair
from hub.store.errors import reading, transaction
from hub.store.objections import ObjectionRecord, find_objections, objection_of
from hub.store.repairs import RepairRecord, find_repairs
from hub.store.timestamps import as_utc

__all__ = ["ObjectionOut", "RepairOut", "objection_out", "repair_out", "router", "visible"]

router = APIRouter(tags=["objections"])

Digest = Annotated[str, Field(min_length=64, max_length=64)]


def _digest_list(value: object) -> object:
    """A list as sent, or one string of digests separated by spaces, commas or new lines (what
    the console's one text field sends)."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


Digests = Annotated[list[Digest], BeforeValidator(_digest_list)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Id = Annotated[str, Path(max_length=64)]
Writer = Annotated[Principal, Depends(may_write)]


class ObjectionIn(BaseModel):
    filed_by: str = Field(min_length=1, max_length=63)  # "subject" or a member id
    grounds_kind: GroundsKind
    grounds: Text
    attachments: Digests = Field(default_factory=list, max_length=MAX_DIGESTS)
    instruction_id: str | None = Field(default=None, max_length=64)


class UpholdIn(BaseModel):
    outcome: UpheldOutcome
    reason: Text


class ReasonIn(BaseModel):
    reason: Text


class RepairIn(BaseModel):
    evidence: Digests = Field(min_length=1, max_length=MAX_DIGESTS)
    statement: str = Field(default="", max_length=MAX_TEXT)


class ObjectionOut(BaseModel):
    objection_id: str
    entry_id: str
    instruction_id: str | None
    filed_by: str
    grounds_kind: str
    grounds: str
    attachments: list[str]
    paused: list[str]
    state: ObjectionState
    filed_at: datetime
    due_at: datetime
    overdue_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    outcome: UpheldOutcome | None
    decision_reason: str | None


class ObjectionStepOut(BaseModel):
    objection: ObjectionOut
    issued: list[str]  # instruction ids the step issued (paused actions resumed)
    lifted: list[str]  # LIFT instruction ids


class RepairOut(BaseModel):
    repair_id: str
    entry_id: str
    evidence: list[str]
    statement: str
    state: RepairState
    applied_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    to_status: str | None
    decision_reason: str | None


class RepairStepOut(BaseModel):
    repair: RepairOut
    lifted: list[str]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def objection_out(found: ObjectionRecord) -> ObjectionOut:
    return ObjectionOut(
        objection_id=found.objection_id,
        entry_id=found.entry_id,
        instruction_id=found.instruction_id,
        filed_by=found.filed_by,
        grounds_kind=found.grounds_kind,
        grounds=found.grounds,
        attachments=list(found.attachments),
        paused=list(found.paused),
        state=found.state,
        filed_at=as_utc(found.filed_at),
        due_at=as_utc(found.due_at),
        overdue_at=_utc(found.overdue_at),
        decided_at=_utc(found.decided_at),
        decided_by=found.decided_by,
        outcome=found.outcome,
        decision_reason=found.decision_reason,
    )


def repair_out(found: RepairRecord) -> RepairOut:
    return RepairOut(
        repair_id=found.repair_id,
        entry_id=found.entry_id,
        evidence=list(found.evidence),
        statement=found.statement,
        state=found.state,
        applied_at=as_utc(found.applied_at),
        decided_at=_utc(found.decided_at),
        decided_by=found.decided_by,
        to_status=found.to_status,
        decision_reason=found.decision_reason,
    )


def visible(principal: Principal, found: ObjectionRecord | None) -> ObjectionRecord:
    """The objection if the principal may read it; UnknownObjection (404) otherwise, so a
    member learns nothing of objections it did not file."""
    if found is None or (principal.role == "member" and found.filed_by != principal.member_id):
        raise UnknownObjection()
    return found


def _step(decided: Decided) -> ObjectionStepOut:
    return ObjectionStepOut(
        objection=objection_out(decided.objection),
        issued=[i.instruction_id for i in decided.issued],
        lifted=[i.instruction_id for i in decided.lifted],
    )


def _repaired(done: Repaired) -> RepairStepOut:
    return RepairStepOut(
        repair=repair_out(done.repair), lifted=[i.instruction_id for i in done.lifted]
    )


def _actor(principal: Principal) -> str:
    return f"api:{principal.token_id}"


@router.post("/entries/{entry_id}/objections", response_model=ObjectionStepOut, status_code=201)
def post_objection(
    request: Request, entry_id: Id, body: ObjectionIn, who: Writer
) -> ObjectionStepOut:
    """Register an objection to the entry (or one of its instructions): what the policy pauses
    is lifted until it is decided. 404 unknown entry; 422 an entry with no sanction, an
    instruction of another entry, grounds naming a person, a malformed digest."""
    with transaction(request.app.state.engine) as connection:
        decided = file_objection(
            connection,
            entry_id,
            body.instruction_id,
            body.filed_by,
            body.grounds_kind,
            body.grounds,
            body.attachments,
            _actor(who),
            request.app.state.policy,
            datetime.now(UTC),
        )
    return _step(decided)


@router.post("/objections/{objection_id}/uphold", response_model=ObjectionStepOut)
def post_uphold(
    request: Request, objection_id: Id, body: UpholdIn, who: Writer
) -> ObjectionStepOut:
    """Uphold: DELISTED takes the entry off the list and lifts all its instructions;
    CORRECTED records the correction and resumes what was paused. 409 decided already."""
    with transaction(request.app.state.engine) as connection:
        decided = uphold_objection(
            connection,
            objection_id,
            body.outcome,
            _actor(who),
            body.reason,
            request.app.state.policy,
            datetime.now(UTC),
        )
    return _step(decided)


@router.post("/objections/{objection_id}/dismiss", response_model=ObjectionStepOut)
def post_dismiss(
    request: Request, objection_id: Id, body: ReasonIn, who: Writer
) -> ObjectionStepOut:
    """Dismiss with a reason: what the objection paused resumes. 409 decided already."""
    with transaction(request.app.state.engine) as connection:
        decided = dismiss_objection(
            connection,
            objection_id,
            _actor(who),
            body.reason,
            request.app.state.policy,
            datetime.now(UTC),
        )
    return _step(decided)


@router.get("/objections", response_model=list[ObjectionOut])
def get_objections(
    request: Request,
    who: Annotated[Principal, Depends(require(*READERS, "member"))],
    state: ObjectionState | None = None,
    entry_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[ObjectionOut]:
    """Objections, newest first; a member sees only those it filed."""
    filed_by = who.member_id if who.role == "member" else None
    with reading(request.app.state.engine) as connection:
        found = find_objections(connection, state, entry_id, filed_by, limit)
    return [objection_out(o) for o in found]


@router.get("/objections/{objection_id}", response_model=ObjectionOut)
def get_objection(
    request: Request,
    objection_id: Id,
    who: Annotated[Principal, Depends(require(*READERS, "member"))],
) -> ObjectionOut:
    with reading(request.app.state.engine) as connection:
        found = objection_of(connection, objection_id)
    return objection_out(visible(who, found))


@router.post("/entries/{entry_id}/repairs", response_model=RepairOut, status_code=201)
def post_repair(request: Request, entry_id: Id, body: RepairIn, who: Writer) -> RepairOut:
    """Register a credit-repair application. 404 unknown entry; 422 an entry not COMMITTED or
    RECTIFIED, a commitment never signed, a period not served, an application already open."""
    with transaction(request.app.state.engine) as connection:
        record = apply_repair(
            connection,
            entry_id,
            body.evidence,
            body.statement,
            _actor(who),
            request.app.state.policy,
            datetime.now(UTC),
        )
    return repair_out(record)


@router.post("/repairs/{repair_id}/approve", response_model=RepairStepOut)
def post_approve(request: Request, repair_id: Id, body: ReasonIn, who: Writer) -> RepairStepOut:
    """Approve: the entry moves to the policy's status for its list and its sanctions lift."""
    with transaction(request.app.state.engine) as connection:
        done = approve_repair(
            connection,
            repair_id,
            _actor(who),
            body.reason,
            request.app.state.policy,
            datetime.now(UTC),
        )
    return _repaired(done)


@router.post("/repairs/{repair_id}/refuse", response_model=RepairStepOut)
def post_refuse(request: Request, repair_id: Id, body: ReasonIn, who: Writer) -> RepairStepOut:
    """Refuse with a reason; nothing else changes."""
    with transaction(request.app.state.engine) as connection:
        done = refuse_repair(connection, repair_id, _actor(who), body.reason, datetime.now(UTC))
    return _repaired(done)


@router.get("/repairs", response_model=list[RepairOut])
def get_repairs(
    request: Request,
    _: Annotated[Principal, Depends(require(*READERS))],
    state: RepairState | None = None,
    entry_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[RepairOut]:
    """Credit-repair applications, newest first."""
    with reading(request.app.state.engine) as connection:
        found = find_repairs(connection, state, entry_id, limit)
    return [repair_out(r) for r in found]
