"""List entries as operators and auditors read them: a filtered page of entries, and one
entry with its status history, the instructions it led to and its operator tasks.

Pages are keyset pages in entry-id order; `next` is an opaque cursor for the page after, so
a client never builds one and the order can change without breaking clients.
"""

import base64
import binascii
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from alliance_connector.messages import ListType, SignalCategory
from hub.api.access import READERS, require
from hub.api.errors import ApiError, NotFound
from hub.api.tasks import TaskOut, task_out
from hub.api.tokens import Principal
from hub.domain.lists import ListStatus
from hub.store.entry_reads import EntryFilter, EntryRecord, entry_history, find_entries
from hub.store.errors import reading
from hub.store.instructions import instructions_of_entries
from hub.store.timestamps import as_utc

__all__ = ["decode_cursor", "encode_cursor", "router"]

router = APIRouter(tags=["lists"])


class IdentifierOut(BaseModel):
    scheme: str
    value: str


class EntryOut(BaseModel):
    entry_id: str
    list_type: str
    category: str
    status: str
    subject_name: str
    province: str
    city: str
    authority: str
    document_no: str
    listed_at: datetime
    rectification_deadline: datetime | None
    updated_at: datetime | None
    identifiers: list[IdentifierOut]


class EntryPageOut(BaseModel):
    entries: list[EntryOut]
    next: str | None
    total: int


class HistoryOut(BaseModel):
    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    reason: str


class EntryInstructionOut(BaseModel):
    instruction_id: str
    target_member: str
    action: str
    issued_at: datetime
    ack_status: str | None


class EntryDetailOut(EntryOut):
    history: list[HistoryOut]
    instructions: list[EntryInstructionOut]
    tasks: list[TaskOut]


def encode_cursor(entry_id: str) -> str:
    """The cursor continuing after `entry_id` (base64url, unpadded)."""
    return base64.urlsafe_b64encode(entry_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The entry id a cursor continues after; 400 for one this route did not give."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ApiError("the cursor is not one this route gave; start without one") from exc


def _entry_out(entry: EntryRecord) -> EntryOut:
    return EntryOut.model_validate(asdict(entry))


def entry_filter(
    list_type: ListType | None = None,
    status: ListStatus | None = None,
    category: SignalCategory | None = None,
    province: Annotated[str | None, Query(max_length=64)] = None,
    authority: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> EntryFilter:
    """The entry filters a query string gives: the API's route and the console's page."""
    return EntryFilter(list_type, status, category, province, authority, q)


EVERY_ENTRY = EntryFilter()


@router.get("/lists/entries", response_model=EntryPageOut)
def list_entries(
    request: Request,
    _: Annotated[Principal, Depends(require(*READERS))],
    wanted: Annotated[EntryFilter, Depends(entry_filter)],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> EntryPageOut:
    """Entries in entry-id order, filtered; `q` is a substring of the subject name (ASCII
    case ignored) or a prefix of an identifier value as stored (personal ones are tokens).
    `total` counts every entry the filters admit; `next` continues after this page."""
    after = decode_cursor(cursor) if cursor else None
    with reading(request.app.state.engine) as connection:
        page = find_entries(connection, wanted, after, limit)
    return EntryPageOut(
        entries=[_entry_out(e) for e in page.entries],
        next=encode_cursor(page.last_id) if page.last_id is not None else None,
        total=page.total,
    )


@router.get("/lists/entries/{entry_id}", response_model=EntryDetailOut)
def get_entry(
    request: Request,
    entry_id: Annotated[str, Path(max_length=64)],
    _: Annotated[Principal, Depends(require(*READERS))],
) -> EntryDetailOut:
    """One entry with its status history (oldest first), its instructions and its tasks."""
    with reading(request.app.state.engine) as connection:
        found = entry_history(connection, entry_id)
        issued = instructions_of_entries(connection, [entry_id]) if found else []
    if found is None:
        raise NotFound("no list entry has this id")
    return EntryDetailOut(
        **_entry_out(found.entry).model_dump(),
        history=[HistoryOut.model_validate(asdict(h)) for h in found.history],
        instructions=[
            EntryInstructionOut.model_validate(asdict(i) | {"issued_at": as_utc(i.issued_at)})
            for i in issued
        ],
        tasks=[task_out(t) for t in found.tasks],
    )
