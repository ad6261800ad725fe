"""List entries through the API: operators upload list files, add entries and move them
along their lifecycle."""

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from hub.api.access import may_write
from hub.api.tokens import Principal
from hub.domain.lists import ListStatus
from hub.errors import ImportRefused
from hub.lists.imports import apply_import
from hub.lists.lifecycle import move
from hub.lists.reading import read_list_file
from hub.store.errors import transaction

router = APIRouter(tags=["lists"])


class TransitionIn(BaseModel):
    status: ListStatus
    reason: str = Field(min_length=1, max_length=2000)


class TransitionOut(BaseModel):
    entry_id: str
    before: ListStatus
    after: ListStatus
    instructions_issued: int
    instructions_lifted: int
    tasks: list[str]


@router.post("/lists/entries/{entry_id}/status", response_model=TransitionOut)
def change_entry_status(
    request: Request,
    entry_id: str,
    body: TransitionIn,
    principal: Annotated[Principal, Depends(may_write)],
) -> TransitionOut:
    """Move an entry (NOTIFIED, COMMITTED, RECTIFIED, DELISTED, ESCALATED, …); 409 if its
    lifecycle does not allow it."""
    actor = f"api:{principal.token_id}"
    with transaction(request.app.state.engine) as connection:
        moved = move(
            connection,
            entry_id,
            body.status,
            actor,
            body.reason,
            request.app.state.policy,
            datetime.now(UTC),
        )
    return TransitionOut(
        entry_id=entry_id,
        before=moved.transition.before,
        after=moved.transition.after,
        instructions_issued=len(moved.issued),
        instructions_lifted=len(moved.lifted),
        tasks=moved.tasks,
    )


class ImportOut(BaseModel):
    rows: int
    encoding: str
    new: int
    changed: int
    unchanged: int
    delisted: int
    instructions: int


def _apply_file(
    request: Request, data: bytes, suffix: str, actor: str, source: str, complete: bool
) -> ImportOut:
    with tempfile.TemporaryDirectory(prefix="alliance-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        read = read_list_file(path, request.app.state.token_key)
    if read.problems:
        problems = [(p.line, p.field, p.rule) for p in read.problems]
        raise ImportRefused(source, problems)
    with transaction(request.app.state.engine) as connection:
        summary = apply_import(
            connection,
            read.entries,
            actor,
            source,
            request.app.state.policy,
            datetime.now(UTC),
            complete=complete,
        )
    return ImportOut(
        rows=read.rows,
        encoding=read.encoding,
        new=summary.new,
        changed=summary.changed,
        unchanged=summary.unchanged,
        delisted=len(summary.removed),
        instructions=summary.issued,
    )


@router.post("/lists/import", response_model=ImportOut)
async def import_list(
    request: Request,
    principal: Annotated[Principal, Depends(may_write)],
    filename: Annotated[str, Query(pattern=r"^[\w.\-]{1,100}\.(csv|jsonl|ndjson)$")],
    complete: bool = True,
) -> ImportOut:
    """Upload a list file as the request body (CSV in UTF-8 or GBK/GB18030, or JSON Lines; the
    filename's suffix says which). Every bad row is reported (422) before anything is
    written. `complete` (the default): the file is the authority's whole list, and entries it
    no longer names are delisted."""
    data = await request.body()
    suffix = Path(filename).suffix
    # Reading and applying a large file takes seconds of CPU and database time: in a worker
    # thread, so that every other route keeps answering meanwhile.
    return await run_in_threadpool(
        _apply_file, request, data, suffix, f"api:{principal.token_id}", filename, complete
    )


@router.post("/lists/entries", response_model=ImportOut, status_code=201)
def add_entry(
    request: Request,
    body: dict[str, Any],
    principal: Annotated[Principal, Depends(may_write)],
) -> ImportOut:
    """Add (or change) one entry, given with the import file's fields; the same rules apply."""
    line = json.dumps(body, ensure_ascii=False).encode()
    return _apply_file(request, line, ".jsonl", f"api:{principal.token_id}", "api", False)
