"""The 台账: one row per list entry, tracking it from listing to delisting, as the alliance's
operators and the regulator read it (CSV for spreadsheets, a table in the console).

Columns (`COLUMNS`): the entry and its subject by public identifiers only (USCC, stores;
hub.store.tracking_reads.PUBLIC_SCHEMES), the list and category, authority and document
number, province and city, the China-calendar dates it was listed, notified, committed, its
rectification deadline, rectified and delisted, the sanctions issued and acknowledged per
member ("mall 3/2": three issued, two acknowledged; LIFTs not counted), the objections filed
against it and its current status. Filters: a month (entries on the list at some time in it),
a province, a status.
"""

import io
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.csv_cells import SpreadsheetCsv
from hub.domain.china_time import CHINA
from hub.reports.monthly import month_span
from hub.store.timestamps import as_utc
from hub.store.tracking_reads import TrackingFilter, TrackingRow, tracking_rows

__all__ = ["COLUMNS", "TrackingQuery", "tracking_cells", "tracking_csv", "tracking_table"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("entry_id", "条目编号"),
    ("list_type", "名单类型"),
    ("category", "失信类别"),
    ("subject_name", "主体名称"),
    ("uscc", "统一社会信用代码"),
    ("stores", "店铺"),
    ("authority", "认定机关"),
    ("document_no", "文号"),
    ("province", "省份"),
    ("city", "城市"),
    ("listed", "列入日期"),
    ("notified", "发出整改通知日期"),
    ("committed", "签署信用承诺日期"),
    ("deadline", "整改期限"),
    ("rectified", "整改完成日期"),
    ("delisted", "移出日期"),
    ("sanctions", "惩戒措施(下发/回执)"),
    ("objections", "异议数"),
    ("status", "当前状态"),
)


@dataclass(frozen=True)
class TrackingQuery:
    month: str | None = None  # "2026-11": entries on the list at some time in it
    province: str | None = None
    status: str | None = None
    limit: int = 10_000


def _day(moment: datetime | None) -> str:
    return as_utc(moment).astimezone(CHINA).date().isoformat() if moment else ""


def tracking_table(connection: sa.Connection, query: TrackingQuery) -> list[TrackingRow]:
    """The rows `query` admits; InvalidMonth for a month that is not YYYY-MM."""
    start, end = month_span(query.month) if query.month else (None, None)
    wanted = TrackingFilter(query.province or None, query.status or None, start, end, query.limit)
    return tracking_rows(connection, wanted)


def tracking_cells(row: TrackingRow) -> dict[str, str | int]:
    """The row's cells by column key, as printed."""
    return {
        "entry_id": row.entry_id,
        "list_type": row.list_type,
        "category": row.category,
        "subject_name": row.subject_name,
        "uscc": "; ".join(row.identifiers.get("USCC", [])),
        "stores": "; ".join(row.identifiers.get("STORE", [])),
        "authority": row.authority,
        "document_no": row.document_no,
        "province": row.province,
        "city": row.city,
        "listed": _day(row.listed_at),  # the authority's date, not the import's
        "notified": _day(row.reached.get("NOTIFIED")),
        "committed": _day(row.reached.get("COMMITTED")),
        "deadline": _day(row.rectification_deadline),
        "rectified": _day(row.reached.get("RECTIFIED")),
        "delisted": _day(row.reached.get("DELISTED")),
        "sanctions": "; ".join(f"{m} {i}/{a}" for m, (i, a) in row.sanctions.items()),
        "objections": row.objections,
        "status": row.status,
    }


def tracking_csv(rows: list[TrackingRow]) -> str:
    """The rows as CSV, UTF-8 with BOM, a header of Chinese column names then one of keys;
    every text cell passes hub.csv_cells' formula guard (a subject name, a document number
    and a store id come from outside)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = SpreadsheetCsv(out)
    writer.writerow([zh for _, zh in COLUMNS])
    writer.writerow([key for key, _ in COLUMNS])
    for row in rows:
        cells = tracking_cells(row)
        writer.writerow([cells[key] for key, _ in COLUMNS])
    return out.getvalue()
