"""The monthly report's list and instruction tables against a small hand-built month on
SQLite (tests/integration/test_report_figures.py counts every figure on both stores)."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.domain.china_time import CHINA
from hub.reports.monthly import LIST_COLUMNS, MemberLine, monthly_report
from hub.reports.render import report_csv, report_html
from hub.store.engine import open_engine
from hub.store.members import register_member
from hub.store.migrate import upgrade
from hub.store.schema import instructions, list_entries, list_transitions


def china(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA).astimezone(UTC)


ENTRIES = {
    "A": ("FAKE_TRANSACTION", "浙江省"),
    "B": ("COUNTERFEIT", "广东省"),
    "C": ("FAKE_TRANSACTION", "浙江省"),
}
TRANSITIONS = [
    ("A", "LISTED", china(2026, 11, 1, 0, 30)),  # 31 Oct in UTC, November in China
    ("B", "LISTED", china(2026, 10, 31, 23, 0)),  # October
    ("A", "OVERDUE", china(2026, 11, 20, 9, 0)),
    ("C", "LISTED", china(2026, 11, 5, 9, 0)),
    ("C", "RECTIFIED", china(2026, 11, 30, 23, 59)),
    ("B", "OVERDUE", china(2026, 12, 1, 0, 10)),  # December
    ("A", "ESCALATED", china(2026, 11, 25, 9, 0)),
]
# (member, issued at, hours to acknowledge or None)
INSTRUCTIONS = [
    ("mall", china(2026, 11, 2, 9, 0), 2.0),
    ("mall", china(2026, 11, 3, 9, 0), 4.0),
    ("mall", china(2026, 11, 4, 9, 0), None),
    ("social", china(2026, 11, 21, 9, 0), 10.0),
    ("social", china(2026, 10, 30, 9, 0), 1.0),  # October
]


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for member in ("mall", "social"):
            register_member(connection, member, "platform", member, [], now)
        for entry_id, (category, province) in ENTRIES.items():
            connection.execute(
                list_entries.insert().values(
                    entry_id=entry_id,
                    list_type="BLACKLIST",
                    category=category,
                    status="LISTED",
                    listed_at=now,
                    province=province,
                )
            )
        connection.execute(
            list_transitions.insert(),
            [
                {"entry_id": e, "to_status": s, "actor": "op", "reason": "r", "at": at}
                | {"ledger_seq": n}
                for n, (e, s, at) in enumerate(TRANSITIONS)
            ],
        )
        connection.execute(
            instructions.insert(),
            [
                {
                    "instruction_id": f"ins-{n}",
                    "target_member": member,
                    "action": "BLOCK_STORE",
                    "subject": "[]",
                    "entry_id": "A",
                    "list_type": "BLACKLIST",
                    "category": "FAKE_TRANSACTION",
                    "legal_basis": "716",
                    "issued_at": issued,
                    "acked_at": issued + timedelta(hours=hours) if hours else None,
                    "ack_status": "EXECUTED" if hours else None,
                }
                for n, (member, issued, hours) in enumerate(INSTRUCTIONS)
            ],
        )
    return engine


def test_the_month_counts_by_category_and_province(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        report = monthly_report(connection, "2026-11", datetime.now(UTC))
    counts = dict.fromkeys(LIST_COLUMNS, 0) | {"LISTED": 2, "RECTIFIED": 1}
    counts |= {"OVERDUE": 1, "ESCALATED": 1}
    assert report.lists == {("FAKE_TRANSACTION", "浙江省"): counts}
    assert report.list_totals() == counts
    # mall's third instruction is still unanswered at the month's end, 20 days after issue.
    assert report.members == [MemberLine("mall", 3, 2, 3.0, 1), MemberLine("social", 1, 1, 10.0)]
    assert report.due == date(2026, 12, 14)
    html = report_html(report)
    assert "2026年11月" in html and "2026年12月14日" in html and "刷单炒信" in html
    assert "<td>67%</td>" in html  # mall acknowledged 2 of 3
    lines = report_csv(report).lstrip("\ufeff").splitlines()
    assert "lists,FAKE_TRANSACTION,浙江省,2,0,0,1,0,1,1" in lines
    assert "instructions,mall,3,2,3.0,1" in lines


def test_october_sees_only_october(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        report = monthly_report(connection, "2026-10", datetime.now(UTC))
    assert report.lists == {
        ("COUNTERFEIT", "广东省"): dict.fromkeys(LIST_COLUMNS, 0) | {"LISTED": 1}
    }
    assert report.members == [MemberLine("social", 1, 1, 1.0)]


def test_the_report_counts_an_ack_overdue_as_the_dashboard_does() -> None:
    from hub.api.dashboard import OVERDUE_ACK
    from hub.reports.figures import ACK_DUE

    assert ACK_DUE == OVERDUE_ACK
