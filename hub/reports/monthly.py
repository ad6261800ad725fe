"""The monthly report (月报) of §6: its figures (hub.reports.figures), the operators' texts
per section (hub.reports.sections), the due date (hub.reports.calendar) and a slot for the
ledger's signed tree head at the month's end (账本树头), so a reader holds a head the hub
cannot later rewrite.

A filed month is served from its frozen copy (hub.reports.filing), never recounted: what was
filed is what anyone reads afterwards, even if the store has changed since. Months are taken
on the China calendar (UTC+8), where the alliance reports.
"""

import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

from hub.domain.china_time import CHINA
from hub.ledger.tree_heads import latest_head
from hub.reports.calendar import BASIS_CALENDAR, due, month_bounds
from hub.reports.figures import LIST_COLUMNS, MemberLine, TaskLine, month_figures
from hub.store.report_texts import filing_of, texts_of
from hub.store.timestamps import as_utc

__all__ = [
    "LIST_COLUMNS",
    "MemberLine",
    "MonthlyReport",
    "TaskLine",
    "month_span",
    "monthly_report",
    "report_data",
    "report_from_data",
]


@dataclass
class MonthlyReport:
    month: str
    due: date
    generated_at: datetime
    # (category, province) -> status -> count
    lists: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    members: list[MemberLine] = field(default_factory=list)
    tasks: list[TaskLine] = field(default_factory=list)
    objections: dict[str, int] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    medians: dict[str, float | None] = field(default_factory=dict)
    due_basis: str = BASIS_CALENDAR
    texts: dict[str, str] = field(default_factory=dict)  # section key -> operator's text
    # The signed tree head of the ledger at the month's end, as published (hub.ledger).
    ledger_head: dict[str, Any] | None = None
    filed_at: datetime | None = None
    filed_by: str | None = None
    sha256: str | None = None  # of the frozen canonical JSON, once filed

    def list_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(LIST_COLUMNS, 0)
        for counts in self.lists.values():
            for status, n in counts.items():
                totals[status] += n
        return totals

    def headline(self) -> dict[str, int]:
        """The counts 总体情况 opens with, "repaired" being the credit repairs approved."""
        totals = self.list_totals()
        repaired = self.repairs.get("approved_rectified", 0)
        repaired += self.repairs.get("approved_delisted", 0)
        return {
            "listed": totals["LISTED"],
            "notified": totals["NOTIFIED"],
            "committed": totals["COMMITTED"],
            "rectified": totals["RECTIFIED"],
            "repaired": repaired,
            "delisted": totals["DELISTED"],
            "overdue": totals["OVERDUE"],
            "escalated": totals["ESCALATED"],
        }


def month_span(month: str) -> tuple[datetime, datetime]:
    """[start, end) of `month` on the China calendar, in UTC."""
    first, following = month_bounds(month)
    start = datetime.combine(first, time(), CHINA)
    end = datetime.combine(following, time(), CHINA)
    return as_utc(start), as_utc(end)


def report_data(report: MonthlyReport) -> dict[str, Any]:
    """The report as JSON-ready data (what filing freezes), without the filing's own marks."""
    return {
        "month": report.month,
        "due": report.due.isoformat(),
        "due_basis": report.due_basis,
        "generated_at": as_utc(report.generated_at).isoformat(),
        "lists": [
            {"category": c, "province": p, "counts": counts}
            for (c, p), counts in sorted(report.lists.items())
        ],
        "members": [asdict(line) for line in report.members],
        "tasks": [asdict(line) for line in report.tasks],
        "objections": report.objections,
        "repairs": report.repairs,
        "medians": report.medians,
        "texts": report.texts,
        "ledger_head": report.ledger_head,
    }


def report_from_data(data: dict[str, Any]) -> MonthlyReport:
    """The report `report_data` gave (a filed month's frozen copy)."""
    return MonthlyReport(
        month=data["month"],
        due=date.fromisoformat(data["due"]),
        generated_at=datetime.fromisoformat(data["generated_at"]),
        lists={(c["category"], c["province"]): c["counts"] for c in data["lists"]},
        members=[MemberLine(**line) for line in data["members"]],
        tasks=[TaskLine(**line) for line in data["tasks"]],
        objections=data["objections"],
        repairs=data["repairs"],
        medians=data["medians"],
        due_basis=data["due_basis"],
        texts=data["texts"],
        ledger_head=data["ledger_head"],
    )


def monthly_report(
    connection: sa.Connection,
    month: str,
    now: datetime,
    holidays: Collection[date] = (),
    workdays: Collection[date] = (),
) -> MonthlyReport:
    """The report for `month` ("2026-11"): its frozen copy if filed, else counted now."""
    filed = filing_of(connection, month)
    if filed is not None:
        report = report_from_data(json.loads(filed.frozen_json))
        report.filed_at, report.filed_by = filed.filed_at, filed.filed_by
        report.sha256 = filed.sha256
        return report
    start, end = month_span(month)
    figures = month_figures(connection, start, end)
    due_date = due(month, holidays, workdays)
    return MonthlyReport(
        month=month,
        due=due_date.day,
        generated_at=now,
        lists=figures.lists,
        members=figures.members,
        tasks=figures.tasks,
        objections=figures.objections,
        repairs=figures.repairs,
        medians=figures.medians,
        due_basis=due_date.basis,
        texts={key: text.text for key, text in texts_of(connection, month).items()},
        ledger_head=_month_head(connection, end),
    )


def _month_head(connection: sa.Connection, end: datetime) -> dict[str, Any] | None:
    """The month's last signed tree head (docs/ledger.md), as JSON: whoever holds the filed
    report can later prove the ledger still extends what the hub signed that month."""
    head = latest_head(connection, at_or_before=end)
    return None if head is None else head.as_json()
