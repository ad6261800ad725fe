"""The monthly report's figures: everything §6's 总体情况 and 工作成效 can say from data.

- Lists: transitions to each status during the month, by category and province.
- Objections and credit repairs: the ledger rows their parts of the hub write (OBJECTION_*,
  REPAIR_*), counted by outcome; a repair is counted as "repaired" when approved.
- Operator tasks (约谈 interview, 通报 notify the regulator, 公示 publish): per kind, those
  created, done on time, done late, and left open past their due date at the month's end.
- Instructions: per member, those issued, acknowledged by the month's end, the median hours
  to acknowledge, and the acks overdue at the month's end (unanswered `ACK_DUE` after issue,
  whenever issued).
- Medians: listing → notified and listing → rectified (days, over the month's notices and
  rectifications), issue → ack (hours, over the month's acknowledged instructions).

Every span is [start, end) in UTC, the caller's month on the China calendar.
"""

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.store.report_reads import (
    instructions_issued,
    ledger_rows,
    listing_times,
    tasks_in_play,
    transition_counts,
    unacked_at,
)

__all__ = [
    "ACK_DUE",
    "LIST_COLUMNS",
    "OBJECTION_KINDS",
    "REPAIR_KINDS",
    "Figures",
    "MemberLine",
    "TaskLine",
    "month_figures",
]

# The list events the report counts, by the status the entry moved to.
LIST_COLUMNS = ("LISTED", "NOTIFIED", "COMMITTED", "RECTIFIED", "DELISTED", "OVERDUE", "ESCALATED")
# An acknowledgement later than this after issue is overdue: the dashboard's yardstick
# (hub.api.dashboard.OVERDUE_ACK), so the report and the console count the same acks; the
# report prints it beside the figure. The notice itself sets no time.
ACK_DUE = timedelta(hours=1)
OBJECTION_KINDS = (
    "OBJECTION_FILED",
    "OBJECTION_UPHELD",
    "OBJECTION_DISMISSED",
    "OBJECTION_OVERDUE",
)
REPAIR_KINDS = ("REPAIR_APPLIED", "REPAIR_APPROVED", "REPAIR_REFUSED")


@dataclass(frozen=True)
class MemberLine:
    member: str
    issued: int
    acknowledged: int
    median_ack_hours: float | None  # None when nothing was acknowledged
    overdue_acks: int = 0  # unanswered ACK_DUE after issue, at the month's end


@dataclass(frozen=True)
class TaskLine:
    kind: str
    created: int
    done_on_time: int
    done_late: int
    open_late: int  # open at the month's end past its due date


@dataclass
class Figures:
    # (category, province) -> status -> count
    lists: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    members: list[MemberLine] = field(default_factory=list)
    tasks: list[TaskLine] = field(default_factory=list)
    objections: dict[str, int] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    medians: dict[str, float | None] = field(default_factory=dict)


def _median(values: list[float], digits: int = 2) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _lists(
    connection: sa.Connection, start: datetime, end: datetime
) -> dict[tuple[str, str], dict[str, int]]:
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for category, province, status, count in transition_counts(
        connection, start, end, LIST_COLUMNS
    ):
        cell = cells.setdefault((category, province or "—"), dict.fromkeys(LIST_COLUMNS, 0))
        cell[status] += count
    return cells


def _members(
    connection: sa.Connection, start: datetime, end: datetime
) -> tuple[list[MemberLine], list[float]]:
    issued: dict[str, list[float | None]] = defaultdict(list)
    for member, issued_at, acked_at in instructions_issued(connection, start, end):
        # Acknowledged means by the month's end, so the figure is the same whenever asked.
        waited = None
        if acked_at is not None and acked_at < end:
            waited = (acked_at - issued_at).total_seconds() / 3600
        issued[member].append(waited)
    overdue = dict(unacked_at(connection, end - ACK_DUE, end))
    lines, every_wait = [], []
    for member in sorted(set(issued) | set(overdue)):
        acked = [w for w in issued.get(member, []) if w is not None]
        every_wait.extend(acked)
        waits = issued.get(member, [])
        lines.append(
            MemberLine(member, len(waits), len(acked), _median(acked), overdue.get(member, 0))
        )
    return lines, every_wait


def _tasks(connection: sa.Connection, start: datetime, end: datetime) -> list[TaskLine]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for kind, created, due, done in tasks_in_play(connection, start, end):
        line = counts[kind]
        line[0] += start <= created
        if done is not None and done < end:
            line[1 if done <= due else 2] += 1
        elif due < end:
            line[3] += 1
    return [TaskLine(kind, *line) for kind, line in sorted(counts.items())]


def _ledger_counts(
    connection: sa.Connection, start: datetime, end: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    objections = dict.fromkeys(
        ("filed", "upheld_corrected", "upheld_delisted", "dismissed", "overdue"), 0
    )
    repairs = dict.fromkeys(("applied", "approved_rectified", "approved_delisted", "refused"), 0)
    for kind, _, body_text in ledger_rows(connection, start, end, OBJECTION_KINDS + REPAIR_KINDS):
        body = json.loads(body_text)
        if kind == "OBJECTION_UPHELD":
            outcome = "delisted" if body.get("outcome") == "DELISTED" else "corrected"
            objections[f"upheld_{outcome}"] += 1
        elif kind == "REPAIR_APPROVED":
            to = "delisted" if body.get("to") == "DELISTED" else "rectified"
            repairs[f"approved_{to}"] += 1
        elif kind.startswith("OBJECTION_"):
            objections[kind.removeprefix("OBJECTION_").lower()] += 1
        else:
            repairs[kind.removeprefix("REPAIR_").lower()] += 1
    return objections, repairs


def month_figures(connection: sa.Connection, start: datetime, end: datetime) -> Figures:
    """The figures of [start, end) from the store."""
    members, waits = _members(connection, start, end)
    spans: dict[str, list[float]] = defaultdict(list)
    for status, listed_at, moved_at in listing_times(
        connection, start, end, ("NOTIFIED", "RECTIFIED")
    ):
        spans[status].append((moved_at - listed_at).total_seconds() / 86400)
    objections, repairs = _ledger_counts(connection, start, end)
    return Figures(
        lists=_lists(connection, start, end),
        members=members,
        tasks=_tasks(connection, start, end),
        objections=objections,
        repairs=repairs,
        medians={
            "listed_to_notified_days": _median(spans["NOTIFIED"]),
            "listed_to_rectified_days": _median(spans["RECTIFIED"]),
            "issue_to_ack_hours": _median(waits),
        },
    )
