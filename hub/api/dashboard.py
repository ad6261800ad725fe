"""The console's front page at `/`: the dashboard, whose charts (drawn in SVG by a few lines of
its own script, nothing fetched from elsewhere) refresh every two seconds from
/dashboard/data, and the console's sign-in and sign-out.

A browser signs in by posting an operator or auditor token to /session (members may not: a
member sees only itself, through the API), which sets an HttpOnly, SameSite=Strict cookie.
The cookie admits reads; it admits a write only with the page's CSRF token in the
X-CSRF-Token header and from the console's own origin (hub.api.console_csrf), so a forged
cross-site request can change nothing. DELETE /session signs out.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from hub.api.access import READERS, SESSION_COOKIE, require
from hub.api.console_pages import page
from hub.api.errors import Forbidden, Unauthenticated
from hub.api.tokens import Principal, find_principal
from hub.errors import BrokerError
from hub.store.activity import per_minute
from hub.store.counts import list_status_counts, pending_acks, reject_counts
from hub.store.errors import reading
from hub.templates import templates

router = APIRouter(tags=["dashboard"])

MINUTES = 15
OVERDUE_ACK = timedelta(hours=1)


class SessionIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def dashboard(request: Request) -> Response:
    return page(request, ("总览", "Dashboard"), lambda _: ("dashboard.html", {}))


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login() -> str:
    return templates("hub.api").get_template("login.html").render()


@router.post("/session", status_code=204)
def open_session(request: Request, body: SessionIn) -> Response:
    """Exchange an operator or auditor token for the dashboard's session cookie."""
    with reading(request.app.state.engine) as connection:
        principal = find_principal(connection, body.token)
    if principal is None:
        raise Unauthenticated("unknown or revoked token")
    if principal.role not in READERS:
        raise Forbidden("the dashboard is for operators and auditors")
    response = Response(status_code=204)
    response.set_cookie(
        SESSION_COOKIE, body.token, httponly=True, samesite="strict", max_age=12 * 3600
    )
    return response


@router.delete("/session", status_code=204)
def close_session() -> Response:
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _minutes(now: datetime) -> list[str]:
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=MINUTES - 1)
    return [(start + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M") for n in range(MINUTES)]


@router.get("/dashboard/data")
def dashboard_data(
    request: Request, _: Annotated[Principal, Depends(require(*READERS))]
) -> JSONResponse:
    """Everything the dashboard draws, in one response."""
    now = datetime.now(UTC)
    with reading(request.app.state.engine) as connection:
        activity = per_minute(connection, now, MINUTES)
        refused = reject_counts(connection)
        entries = list_status_counts(connection)
        pending = pending_acks(connection, now - OVERDUE_ACK)
    by_reason: dict[str, int] = {}
    for (_member, reason), n in refused.items():
        by_reason[reason] = by_reason.get(reason, 0) + n
    lag: list[dict[str, object]] = []
    if request.app.state.flows is not None:
        try:
            snapshot = request.app.state.flows.snapshot()
            lag = [
                {"topic": tp.topic, "partition": tp.partition, "lag": n}
                for tp, n in sorted(snapshot.lag().items())
            ]
        except BrokerError:
            lag = []
    return JSONResponse(
        {
            "minutes": _minutes(now),
            "signals": activity["signals"],
            "instructions": activity["instructions"],
            "rejects": sorted(by_reason.items(), key=lambda item: -item[1]),
            "lists": [[f"{lt} {s}", n] for (lt, s), n in sorted(entries.items())],
            "pending": [{"member": m, "awaiting": n, "overdue": late} for m, n, late in pending],
            "lag": lag,
        }
    )
