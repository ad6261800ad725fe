"""The monthly report (月报): what happened to the lists and the instructions in one month.

- Lists: entries listed, rectified, turned overdue and escalated during the month (their
  transitions' times, China calendar), by category and province.
- Instructions: per member, those issued during the month, how many of them are
  acknowledged, and the median time from issue to acknowledgement.
- The due date: the last working day before the 15th of the following month.

Months are taken on the China calendar (UTC+8), where the alliance reports.
"""

import statistics
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa

from hub.domain.china_time import CHINA
from hub.reports.calendar import due_date, month_bounds
from hub.store.report_reads import instructions_issued, transition_counts
from hub.store.timestamps import as_utc

__all__ = ["LIST_COLUMNS", "MemberLine", "MonthlyReport", "monthly_report"]

# The list events the report counts, by the status the entry moved to.
LIST_COLUMNS = ("LISTED", "RECTIFIED", "OVERDUE", "ESCALATED")


@dataclass(frozen=True)
class MemberLine:
    member: str
    issued: int
    acknowledged: int
    median_ack_hours: float | None  # None when nothing was acknowledged


@dataclass
class MonthlyReport:
    month: str
    due: date
    generated_at: datetime
    # (category, province) -> status -> count
    lists: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    members: list[MemberLine] = field(default_factory=list)

    def list_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(LIST_COLUMNS, 0)
        for counts in self.lists.values():
            for status, n in counts.items():
                totals[status] += n
        return totals


def _utc_bounds(month: str) -> tuple[datetime, datetime]:
    first, following = month_bounds(month)
    start = datetime.combine(first, time(), CHINA)
    end = datetime.combine(following, time(), CHINA)
    return as_utc(start), as_utc(end)


def monthly_report(
    connection: sa.Connection, month: str, now: datetime, holidays: Collection[date] = ()
) -> MonthlyReport:
    """Count `month` ("2026-11") from the store."""
    start, end = _utc_bounds(month)
    report = MonthlyReport(month, due_date(month, holidays), now)
    for category, province, status, count in transition_counts(
        connection, start, end, LIST_COLUMNS
    ):
        cell = report.lists.setdefault((category, province or "—"), dict.fromkeys(LIST_COLUMNS, 0))
        cell[status] += count
    issued: dict[str, list[float | None]] = defaultdict(list)
    for member, issued_at, acked_at in instructions_issued(connection, start, end):
        waited = (acked_at - issued_at).total_seconds() if acked_at else None
        issued[member].append(waited)
    for member, waits in sorted(issued.items()):
        acked = [w / 3600 for w in waits if w is not None]
        median = round(statistics.median(acked), 2) if acked else None
        report.members.append(MemberLine(member, len(waits), len(acked), median))
    return report
