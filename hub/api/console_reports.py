"""月报 / Monthly report and 台账 / Tracking table in the console.

The reports page lists the last twelve months with their HTML, CSV and JSON, and for one
month (`?month=`, the last one unless asked) its narrative sections: for operators a
CSRF-protected form per section (posting to /reports/monthly/{month}/texts/{section}, as
hub.api.console_script posts every form) and one to file the month; a filed month shows its
texts read-only with the filing's SHA-256. The tracking page is the 台账 of
hub.reports.tracking, filterable by month, province and status, with its CSV link.
"""

from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hub.api.console_pages import page
from hub.api.errors import ApiError
from hub.api.reports import report_texts
from hub.api.tokens import Principal
from hub.domain.china_time import CHINA
from hub.domain.lists import ListStatus
from hub.reports.calendar import InvalidMonth
from hub.reports.tracking import COLUMNS, TrackingQuery, tracking_cells, tracking_table
from hub.store.errors import reading
from hub.store.report_texts import filing_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

SHOWN = 500  # rows of the 台账 on one page; the CSV has them all


def _months(today: date, count: int = 12) -> list[str]:
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


@router.get("/console/reports")
def reports_page(
    request: Request, month: Annotated[str | None, Query(max_length=7)] = None
) -> Response:
    def build(who: Principal) -> tuple[str, dict[str, object]]:
        months = _months(datetime.now(UTC).astimezone(CHINA).date(), 13)
        chosen = month or months[1]  # the month a report is due for
        texts = report_texts(request, chosen, who)
        with reading(request.app.state.engine) as connection:
            filing = filing_of(connection, chosen)
        return "console_reports.html", {
            "months": months[:12],
            "chosen": chosen,
            "texts": texts,
            "filing": filing,
        }

    return page(request, ("月报", "Monthly report"), build)


@router.get("/console/tracking")
def tracking_page(
    request: Request,
    month: Annotated[str | None, Query(max_length=7)] = None,
    province: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    def build(_: Principal) -> tuple[str, dict[str, object]]:
        if status and status not in set(ListStatus):
            raise ApiError("status: expected one of " + ", ".join(ListStatus))
        query = TrackingQuery(month or None, province or None, status or None, SHOWN + 1)
        try:
            with reading(request.app.state.engine) as connection:
                rows = tracking_table(connection, query)
        except InvalidMonth as exc:
            raise ApiError(str(exc)) from exc
        asked = {"month": month or "", "province": province or "", "status": status or ""}
        return "console_tracking.html", {
            "columns": COLUMNS,
            "rows": [tracking_cells(r) for r in rows[:SHOWN]],
            "more": len(rows) > SHOWN,
            "asked": asked,
            "statuses": [str(s) for s in ListStatus],
            "csv": "/reports/tracking.csv?" + urlencode({k: v for k, v in asked.items() if v}),
        }

    return page(request, ("台账", "Tracking table"), build)
