"""异议与信用修复 / Objections and credit repair in the console (docs/objections.md), and the
read routes that render an objection's documents as `alliance-hub objections receipt|reply`
writes them:

    GET /objections/{objection_id}/receipt.html   异议受理通知书
    GET /objections/{objection_id}/reply.html     异议答复书 (409 while the objection is open)

(operators, auditors, and the member that filed it). The page lists objections and repair
applications through the API's own route functions; for operators it has a form to file an
objection or a repair application for the entry chosen (`?entry_id=`), and on each open item
the decision forms, all CSRF-protected posts to the API's routes (hub.api.objections).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from hub.api.access import READERS, require
from hub.api.console_pages import page
from hub.api.errors import Conflict, NotFound
from hub.api.objections import get_objections, get_repairs, visible
from hub.api.tokens import Principal
from hub.domain.objections import GROUNDS_NAMES, ObjectionState, UpheldOutcome
from hub.lists.documents import render_objection_receipt, render_objection_reply
from hub.store.errors import reading
from hub.store.list_reads import list_entry
from hub.store.objections import objection_of

__all__ = ["router"]

router = APIRouter()

SHOWN = 200


@router.get(
    "/objections/{objection_id}/{kind}.html", response_class=HTMLResponse, tags=["objections"]
)
def objection_document(
    request: Request,
    objection_id: Annotated[str, Path(max_length=64)],
    kind: Annotated[str, Path(pattern="^(receipt|reply)$")],
    who: Annotated[Principal, Depends(require(*READERS, "member"))],
) -> HTMLResponse:
    """The objection's receipt (异议受理通知书) or reply (异议答复书), as printable HTML."""
    with reading(request.app.state.engine) as connection:
        found = visible(who, objection_of(connection, objection_id))
        entry = list_entry(connection, found.entry_id)
    if entry is None:  # entries are never deleted
        raise NotFound("no list entry has this id")
    if kind == "receipt":
        return HTMLResponse(render_objection_receipt(entry[0], found))
    try:
        return HTMLResponse(render_objection_reply(entry[0], found))
    except ValueError as exc:
        raise Conflict("the objection is still open: there is no reply yet") from exc


@router.get("/console/objections", include_in_schema=False)
def objections_page(
    request: Request,
    state: ObjectionState | None = None,
    entry_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        chosen = None
        if entry_id is not None:
            with reading(request.app.state.engine) as connection:
                found = list_entry(connection, entry_id)
            if found is None:
                raise NotFound("no list entry has this id")
            chosen = found[0]
        return "console_objections.html", {
            "objections": get_objections(request, who, state, entry_id, SHOWN),
            "repairs": get_repairs(request, who, None, entry_id, SHOWN),
            "state": str(state or ""),
            "states": [s.value for s in ObjectionState],
            "entry": chosen,
            "entry_id": entry_id or "",
            "grounds": {str(k): v for k, v in GROUNDS_NAMES.items()},
            "outcomes": [o.value for o in UpheldOutcome],
        }

    return page(request, ("异议与信用修复", "Objections and credit repair"), build)
