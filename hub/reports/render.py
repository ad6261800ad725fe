"""The monthly report as printable HTML (in Chinese, §6's sections in order) and as CSV for
spreadsheets (one block per table, each with its own header row)."""

import io

from alliance_connector.messages import SignalCategory
from hub.csv_cells import SpreadsheetCsv
from hub.domain.categories import CATEGORY_NAMES
from hub.domain.china_time import CHINA
from hub.lists.documents import chinese_date
from hub.reports.calendar import BASIS_CALENDAR
from hub.reports.figures import ACK_DUE, LIST_COLUMNS
from hub.reports.monthly import MonthlyReport
from hub.reports.sections import SECTIONS
from hub.templates import templates

__all__ = ["TASK_NAMES", "report_csv", "report_html"]

# The operator tasks' kinds (hub.lists.tasks) as the report names them.
TASK_NAMES = {
    "NOTIFY_REGULATOR": "通报主管部门",
    "INTERVIEW_PRINCIPAL": "约谈主要负责人",
    "PUBLISH_CREDIT_WEBSITE": "信用网站公示",
}


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
            calendar_basis=report.due_basis == BASIS_CALENDAR,
            generated=report.generated_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
            filed=report.filed_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            if report.filed_at
            else None,
            sections=SECTIONS,
            lists=lists,
            totals=report.list_totals(),
            headline=report.headline(),
            members=report.members,
            tasks=[(TASK_NAMES.get(t.kind, t.kind), t) for t in report.tasks],
            ack_due_hours=int(ACK_DUE.total_seconds() // 3600),
        )
    )


def report_csv(report: MonthlyReport) -> str:
    """Blocks in one file, each with its own header row, UTF-8 with BOM; text cells a
    spreadsheet would run as formulas are quoted (hub.csv_cells)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = SpreadsheetCsv(out)
    writer.writerow(["month", report.month, "due", report.due.isoformat()])
    writer.writerow(["section", "category", "province", *(s.lower() for s in LIST_COLUMNS)])
    for (category, province), counts in sorted(report.lists.items()):
        writer.writerow(["lists", category, province, *(counts.get(s, 0) for s in LIST_COLUMNS)])
    writer.writerow(
        ["section", "member", "issued", "acknowledged", "median_ack_hours", "overdue_acks"]
    )
    for line in report.members:
        median = "" if line.median_ack_hours is None else line.median_ack_hours
        writer.writerow(
            ["instructions", line.member, line.issued, line.acknowledged, median]
            + [line.overdue_acks]
        )
    writer.writerow(["section", "kind", "created", "done_on_time", "done_late", "open_late"])
    for task in report.tasks:
        writer.writerow(
            ["tasks", task.kind, task.created, task.done_on_time, task.done_late, task.open_late]
        )
    writer.writerow(["section", "figure", "value"])
    for name, value in report.headline().items():
        writer.writerow(["headline", name, value])
    for name, value in report.objections.items():
        writer.writerow(["objections", name, value])
    for name, value in report.repairs.items():
        writer.writerow(["repairs", name, value])
    for name, middle in report.medians.items():
        writer.writerow(["medians", name, "" if middle is None else middle])
    return out.getvalue()
