"""文书 / Documents in the console, and the read route that renders
an entry's notices as `alliance-hub lists documents` writes them:

    GET /lists/entries/{entry_id}/documents/rectification-notice.html   整改通知书
    GET /lists/entries/{entry_id}/documents/credit-commitment.html      信用承诺书

(operators and auditors; 404 for no such entry, 409 for one without a deadline to print or
whose category no one is listed for). The page links to these; the 月报 page is
hub.api.console_reports."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from hub.api.access import READERS, require
from hub.api.console_pages import page
from hub.api.entries import EVERY_ENTRY, list_entries
from hub.api.errors import Conflict, NotFound
from hub.api.tokens import Principal
from hub.domain.china_time import CHINA
from hub.lists.documents import render_credit_commitment, render_rectification_notice
from hub.store.errors import reading
from hub.store.list_reads import list_entry

__all__ = ["router"]

router = APIRouter()

Kind = Literal["rectification-notice", "credit-commitment"]


@router.get(
    "/lists/entries/{entry_id}/documents/{kind}.html",
    response_class=HTMLResponse,
    tags=["lists"],
)
def entry_document(
    request: Request,
    entry_id: Annotated[str, Path(max_length=64)],
    kind: Kind,
    _: Annotated[Principal, Depends(require(*READERS))],
) -> HTMLResponse:
    """The entry's rectification notice (整改通知书, dated today in China) or credit
    commitment (信用承诺书), as printable HTML."""
    with reading(request.app.state.engine) as connection:
        found = list_entry(connection, entry_id)
    if found is None:
        raise NotFound("no list entry has this id")
    entry, deadline = found
    if deadline is None:  # the documents print it; without one they would be wrong
        raise Conflict("the list entry has no rectification deadline to print")
    try:
        if kind == "rectification-notice":
            today = datetime.now(UTC).astimezone(CHINA).date()
            return HTMLResponse(render_rectification_notice(entry, deadline, today))
        return HTMLResponse(render_credit_commitment(entry, deadline))
    except ValueError as exc:  # a category no one is listed for: nothing to notify
        raise Conflict("no document is issued for this entry's category") from exc


@router.get("/console/documents", include_in_schema=False)
def documents_page(request: Request) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        found = list_entries(request, who, EVERY_ENTRY, 100, None)
        return "console_documents.html", {"found": found}

    return page(request, ("文书", "Documents"), build)
