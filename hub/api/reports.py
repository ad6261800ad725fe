"""The monthly report (月报) and the 台账 over HTTP (operators and auditors read; operators
write the texts and file):

    GET  /reports/monthly/{month}.html|csv|json     the report (a filed month: its frozen copy)
    GET  /reports/monthly/{month}/texts              every narrative section, and whether filed
    PUT  /reports/monthly/{month}/texts/{section}    {"text": …}: save a section until filed
    POST /reports/monthly/{month}/texts/{section}    the same, for the console's forms
    POST /reports/monthly/{month}/file               freeze it; answers its SHA-256
    GET  /reports/tracking.csv?month=&province=&status=   the 台账 as CSV

The routes translate and delegate: the counting is hub.reports.figures, the writing and
filing hub.reports.filing; every write is a ledger row there.
"""

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from hub.api.access import READERS, may_write, require
from hub.api.errors import ApiError
from hub.api.tokens import Principal
from hub.domain.lists import ListStatus
from hub.reports.calendar import InvalidMonth, month_bounds
from hub.reports.filing import TextRefused, file_report, save_text
from hub.reports.monthly import monthly_report, report_data
from hub.reports.render import report_csv, report_html
from hub.reports.sections import SECTIONS, TEXT_LIMIT
from hub.reports.tracking import TrackingQuery, tracking_csv, tracking_table
from hub.store.errors import reading, transaction
from hub.store.report_texts import filing_of, texts_of

__all__ = ["router"]

router = APIRouter(tags=["reports"])

Month = Annotated[str, Path(max_length=7)]
SectionKey = Annotated[str, Path(max_length=32)]  # 404 for a name SECTIONS lacks


class TextIn(BaseModel):
    text: str = Field(max_length=TEXT_LIMIT)


class SectionOut(BaseModel):
    section: str
    title: str
    from_figures: bool
    text: str
    updated_at: datetime | None
    updated_by: str | None


class TextsOut(BaseModel):
    month: str
    filed: bool
    sections: list[SectionOut]


class SavedOut(BaseModel):
    month: str
    section: str
    text_sha256: str


class FiledOut(BaseModel):
    month: str
    sha256: str
    filed_at: datetime
    filed_by: str


def _overrides(request: Request) -> tuple[frozenset[date], frozenset[date]]:
    # HUB_HOLIDAYS and HUB_WORKDAYS, as create_app was given them.
    return request.app.state.holidays, request.app.state.workdays


def _month(month: str) -> str:
    try:
        month_bounds(month)
    except InvalidMonth as exc:
        raise ApiError(str(exc)) from exc
    return month


@router.get("/reports/monthly/{month}.{fmt}")
def monthly(
    request: Request,
    month: Month,
    fmt: Literal["html", "csv", "json"],
    _: Annotated[Principal, Depends(require(*READERS))],
) -> Response:
    """The monthly report (月报) for `month` (e.g. 2026-11); a filed month's is the frozen
    copy (its HTML exactly as filed, its JSON the hashed text's data)."""
    holidays, workdays = _overrides(request)
    with reading(request.app.state.engine) as connection:
        report = monthly_report(connection, _month(month), datetime.now(UTC), holidays, workdays)
        filed = filing_of(connection, month)
    if fmt == "html":
        return HTMLResponse(filed.frozen_html if filed else report_html(report))
    if fmt == "json":
        data: dict[str, Any] = report_data(report)
        filing = None
        if filed is not None:
            filing = {"filed_at": filed.filed_at.isoformat(), "filed_by": filed.filed_by}
            filing["sha256"] = filed.sha256
        return JSONResponse({"report": data, "filing": filing})
    headers = {"Content-Disposition": f'attachment; filename="monthly-report-{month}.csv"'}
    return Response(report_csv(report), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/reports/monthly/{month}/texts", response_model=TextsOut)
def report_texts(
    request: Request,
    month: Month,
    _: Annotated[Principal, Depends(require(*READERS))],
) -> TextsOut:
    """The month's narrative sections as saved, in the report's order."""
    with reading(request.app.state.engine) as connection:
        saved = texts_of(connection, _month(month))
        filed = filing_of(connection, month) is not None
    sections = []
    for section in SECTIONS:
        text = saved.get(section.key)
        sections.append(
            SectionOut(
                section=section.key,
                title=section.title,
                from_figures=section.from_figures,
                text=text.text if text else "",
                updated_at=text.updated_at if text else None,
                updated_by=text.updated_by if text else None,
            )
        )
    return TextsOut(month=month, filed=filed, sections=sections)


@router.put("/reports/monthly/{month}/texts/{section}", response_model=SavedOut)
def put_report_text(
    request: Request,
    month: Month,
    section: SectionKey,
    body: TextIn,
    principal: Annotated[Principal, Depends(may_write)],
) -> SavedOut:
    """Save the month's text for `section`; 400 for a text holding a resident id or mobile
    number, 404 for no such section, 409 report_filed once the month is filed."""
    return _save(request, month, section, body, principal)


@router.post("/reports/monthly/{month}/texts/{section}", response_model=SavedOut)
def post_report_text(
    request: Request,
    month: Month,
    section: SectionKey,
    body: TextIn,
    principal: Annotated[Principal, Depends(may_write)],
) -> SavedOut:
    """The same as PUT, for the console's forms (which post)."""
    return _save(request, month, section, body, principal)


def _save(
    request: Request, month: str, section: str, body: TextIn, principal: Principal
) -> SavedOut:
    actor, now = f"api:{principal.token_id}", datetime.now(UTC)
    try:
        with transaction(request.app.state.engine) as connection:
            digest = save_text(connection, _month(month), section, body.text, actor, now)
    except TextRefused as exc:
        raise ApiError(str(exc)) from exc
    return SavedOut(month=month, section=section, text_sha256=digest)


@router.post("/reports/monthly/{month}/file", response_model=FiledOut)
def file_monthly_report(
    request: Request,
    month: Month,
    principal: Annotated[Principal, Depends(may_write)],
) -> FiledOut:
    """File the month's report: its figures and texts are frozen and hashed (SHA-256 of the
    canonical JSON, also in the ledger's REPORT_FILED row); 409 report_filed if filed."""
    actor, now = f"api:{principal.token_id}", datetime.now(UTC)
    holidays, workdays = _overrides(request)
    with transaction(request.app.state.engine) as connection:
        filing = file_report(connection, _month(month), actor, now, holidays, workdays)
    return FiledOut(**{k: v for k, v in asdict(filing).items() if k in FiledOut.model_fields})


@router.get("/reports/tracking.csv")
def tracking(
    request: Request,
    _: Annotated[Principal, Depends(require(*READERS))],
    month: Annotated[str | None, Query(max_length=7)] = None,
    province: Annotated[str | None, Query(max_length=64)] = None,
    status: ListStatus | None = None,
) -> Response:
    """The 台账: one row per list entry (docs/reports.md names the columns), on the list
    during `month`, in `province`, in `status` now, as the filters given ask."""
    query = TrackingQuery(month and _month(month), province, status and str(status))
    with reading(request.app.state.engine) as connection:
        rows = tracking_table(connection, query)
    headers = {"Content-Disposition": 'attachment; filename="tracking-table.csv"'}
    return Response(tracking_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)
