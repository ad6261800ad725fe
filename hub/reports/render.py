"""The monthly report as printable HTML (in Chinese) and as CSV for spreadsheets."""

import io

from alliance_connector.messages import SignalCategory
from hub.csv_cells import SpreadsheetCsv
from hub.domain.categories import CATEGORY_NAMES
from hub.domain.china_time import CHINA
from hub.lists.documents import chinese_date
from hub.reports.monthly import LIST_COLUMNS, MonthlyReport
from hub.templates import templates

__all__ = ["report_csv", "report_html"]


def _category(name: str) -> str:
    try:
        return CATEGORY_NAMES[SignalCategory(name)]
    except (ValueError, KeyError):
        return name


def report_html(report: MonthlyReport) -> str:
    year, month = report.month.split("-")
    lists = [((_category(c), p), counts) for (c, p), counts in sorted(report.lists.items())]
    return (
        templates("hub.reports")
        .get_template("monthly.html")
        .render(
            report=report,
            month_name=f"{year}年{int(month)}月",
            due=chinese_date(report.due),
            generated=report.generated_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
            lists=lists,
            totals=report.list_totals(),
            members=report.members,
        )
    )


def report_csv(report: MonthlyReport) -> str:
    """Two sections in one file, each with its own header row, UTF-8 with BOM; text cells a
    spreadsheet would run as formulas are quoted (hub.csv_cells)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = SpreadsheetCsv(out)
    writer.writerow(["month", report.month, "due", report.due.isoformat()])
    writer.writerow(["section", "category", "province", *(s.lower() for s in LIST_COLUMNS)])
    for (category, province), counts in sorted(report.lists.items()):
        writer.writerow(["lists", category, province, *(counts[s] for s in LIST_COLUMNS)])
    writer.writerow(["section", "member", "issued", "acknowledged", "median_ack_hours"])
    for line in report.members:
        median = "" if line.median_ack_hours is None else line.median_ack_hours
        writer.writerow(["instructions", line.member, line.issued, line.acknowledged, median])
    return out.getvalue()
