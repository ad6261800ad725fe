"""名单 / Lists and 主体查询 / Subject search in the console: entries with filters and pages,
one entry with its history, instructions and tasks, a subject's cluster with the evidence kept
about it (a page at a time) and its empty-parcel correlations; for operators, the forms that
import a list file, add an entry and move an entry's status."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SignalCategory
from hub.api.console_pages import page
from hub.api.entries import entry_filter, get_entry, list_entries
from hub.api.errors import NotFound
from hub.api.subjects import subject, subject_evidence
from hub.api.tokens import Principal
from hub.domain.lists import ListStatus
from hub.store.entry_reads import EntryFilter

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE = 50
EVIDENCE_PAGE = 50
LISTS_TITLE = ("名单: 黑名单与重点关注名单", "Lists: blacklist and key-attention list")


def _choices() -> dict[str, object]:
    return {
        "list_types": [t.value for t in ListType],
        "statuses": [s.value for s in ListStatus],
        "categories": [c.value for c in SignalCategory],
    }


@router.get("/console/lists")
def lists_page(
    request: Request,
    wanted: Annotated[EntryFilter, Depends(entry_filter)],
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        found = list_entries(request, who, wanted, PAGE, cursor)
        asked = {field: str(value or "") for field, value in asdict(wanted).items()}
        more = {k: v for k, v in asked.items() if v}
        return "console_lists.html", {
            "found": found,
            "asked": asked,
            "filtered": more,
            "next_query": more | {"cursor": found.next} if found.next else None,
            **_choices(),
        }

    return page(request, LISTS_TITLE, build)


@router.get("/console/lists/{entry_id}")
def entry_page(request: Request, entry_id: Annotated[str, Path(max_length=64)]) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        return "console_entry.html", {"e": get_entry(request, entry_id, who), **_choices()}

    return page(request, ("名单条目", "List entry"), build)


@router.get("/console/subjects")
def subjects_page(
    request: Request,
    scheme: IdentifierScheme | None = None,
    value: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    evidence_cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        found, missing, evidence, next_query = None, None, None, None
        if scheme is not None and value is not None:
            try:
                found = subject(request, who, scheme, value)
            except NotFound as exc:  # shown beside the search box, which stays
                missing = exc.message
        if found is not None:
            cluster = str(found["cluster"])
            evidence = subject_evidence(request, who, cluster, evidence_cursor, EVIDENCE_PAGE)
            if evidence.next_cursor:
                asked = {"scheme": str(scheme), "value": value}
                next_query = asked | {"evidence_cursor": evidence.next_cursor}
        return "console_subjects.html", {
            "schemes": [s.value for s in IdentifierScheme],
            "scheme": scheme.value if scheme else "",
            "value": value or "",
            "found": found,
            "missing": missing,
            "evidence": evidence,
            "evidence_next": next_query,
        }

    return page(request, ("主体查询", "Subject search"), build)
