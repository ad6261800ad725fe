"""The monthly report over HTTP, as HTML or CSV (operators and auditors)."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from hub.api.access import READERS, require
from hub.api.errors import ApiError
from hub.api.tokens import Principal
from hub.reports.calendar import InvalidMonth
from hub.reports.monthly import monthly_report
from hub.reports.render import report_csv, report_html
from hub.store.errors import reading

router = APIRouter(tags=["reports"])


@router.get("/reports/monthly/{month}.{fmt}")
def monthly(
    request: Request,
    month: str,
    fmt: Literal["html", "csv"],
    _: Annotated[Principal, Depends(require(*READERS))],
) -> Response:
    """The monthly report (月报) for `month` (e.g. 2026-11)."""
    try:
        with reading(request.app.state.engine) as connection:
            report = monthly_report(
                connection, month, datetime.now(UTC), request.app.state.holidays
            )
    except InvalidMonth as exc:
        raise ApiError(str(exc)) from exc
    if fmt == "html":
        return HTMLResponse(report_html(report))
    headers = {"Content-Disposition": f'attachment; filename="monthly-report-{month}.csv"'}
    return Response(report_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
