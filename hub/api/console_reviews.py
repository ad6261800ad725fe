"""审核队列 / Review queue and 关联 / Links in the console (issue 15 items 3 and 7): the queue's
items by kind (上榜候选 listing candidates, 关联桥接 bridging links, 待确认惩戒 sanctions
awaiting confirmation), each with its evidence and due date, read through the API's own route
functions; one cluster's link assertions with their state. For operators, each open item has
确认 / Confirm and 驳回 / Dismiss forms posting to /reviews/{id}/confirm and /dismiss, and
each standing assertion withdraw buttons posting to /links/withdraw (this assertion, this
signal's, this member's). Auditors see the same pages without a form.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from alliance_connector.messages import ListType, SignalCategory
from hub.api.console_labels import LINK_STATES, REVIEW_KINDS, REVIEW_STATES
from hub.api.console_pages import page
from hub.api.errors import NotFound
from hub.api.links import cluster_links
from hub.api.reviews import get_review, list_reviews
from hub.api.tokens import Principal
from hub.store.reviews import ReviewKind, ReviewState

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE = 25  # items per page: each is shown with its evidence
LINKS_SHOWN = 1000


@router.get("/console/reviews")
def reviews_page(
    request: Request,
    kind: ReviewKind | None = None,
    state: ReviewState = ReviewState.OPEN,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        found = list_reviews(request, who, state, kind, cursor, PAGE)
        asked = {"kind": str(kind), "state": str(state)} if kind else {"state": str(state)}
        return "console_reviews.html", {
            "items": [get_review(request, r.review_id, who) for r in found.reviews],
            "total": found.total,
            "kind": str(kind or ""),
            "state": str(state),
            "kinds": REVIEW_KINDS,
            "states": REVIEW_STATES,
            "next_query": asked | {"cursor": found.next} if found.next else None,
            "list_types": [t.value for t in ListType],
            "categories": [c.value for c in SignalCategory],
        }

    return page(request, ("审核队列", "Review queue"), build)


@router.get("/console/links")
def links_page(
    request: Request,
    cluster_id: Annotated[str | None, Query(min_length=1, max_length=36)] = None,
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        found, missing = None, None
        if cluster_id is not None:
            try:
                found = cluster_links(request, cluster_id, who, LINKS_SHOWN)
            except NotFound as exc:  # shown beside the search box, which stays
                missing = exc.message
        return "console_links.html", {
            "cluster_id": cluster_id or "",
            "found": found,
            "missing": missing,
            "link_states": LINK_STATES,
        }

    return page(request, ("关联", "Links"), build)
