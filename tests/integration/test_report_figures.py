"""The 月报 for a hand-built November 2026 on both stores: entries moved through statuses at
known times, instructions and acks, operator tasks, and objection and repair ledger rows (as
the objections part writes them, through hub.ledger.chain.append); every figure below is
counted by hand in the comments. Then the texts, the filing and its hash, and the 台账."""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hub.domain.china_time import CHINA
from hub.errors import ReportFiled, UnknownSection
from hub.ledger.chain import LedgerEntry, append, canonical_json
from hub.reports.figures import MemberLine, TaskLine
from hub.reports.filing import file_report, save_text
from hub.reports.monthly import LIST_COLUMNS, monthly_report, report_data
from hub.reports.tracking import TrackingQuery, tracking_cells, tracking_table
from hub.store.engine import open_engine
from hub.store.members import register_member
from hub.store.migrate import upgrade
from hub.store.schema import (
    instructions,
    ledger,
    list_entries,
    list_entry_identifiers,
    list_transitions,
    operator_tasks,
)

STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)


def cst(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A time in 2026 on the China calendar, in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA).astimezone(UTC)


# entry -> (list, category, province, subject name)
ENTRIES = {
    "A": ("BLACKLIST", "FAKE_TRANSACTION", "浙江省", "甲网店"),
    "B": ("BLACKLIST", "COUNTERFEIT", "广东省", "乙网店"),
    "C": ("WATCHLIST", "FALSE_ADVERTISING", "浙江省", '=HYPERLINK("http://x")'),
    "D": ("BLACKLIST", "FAKE_TRANSACTION", "浙江省", "丁网店"),
}
TRANSITIONS = [
    ("A", "LISTED", cst(11, 1, 0, 30)),  # 31 October in UTC, November in China
    ("A", "NOTIFIED", cst(11, 3, 0, 30)),  # 2 days after listing
    ("A", "COMMITTED", cst(11, 5)),
    ("A", "RECTIFIED", cst(11, 11, 0, 30)),  # 10 days after listing
    ("A", "DELISTED", cst(11, 20)),
    ("B", "LISTED", cst(10, 31, 23)),  # October
    ("B", "NOTIFIED", cst(11, 4, 23)),  # 4 days
    ("B", "OVERDUE", cst(11, 15)),
    ("B", "ESCALATED", cst(11, 25)),
    ("C", "LISTED", cst(11, 5, 9)),
    ("C", "NOTIFIED", cst(11, 11, 9)),  # 6 days
    ("C", "RECTIFIED", cst(12, 1, 0, 10)),  # December
    ("D", "LISTED", cst(9, 1)),
    ("D", "DELISTED", cst(10, 15)),  # off the list before November
]
# (member, issued, acknowledged or None); all against B
INSTRUCTIONS = [
    ("mall", cst(11, 2, 9), cst(11, 2, 11)),  # 2 h
    ("mall", cst(11, 3, 9), cst(11, 3, 13)),  # 4 h
    ("mall", cst(11, 20, 9), None),  # overdue at the month's end
    ("mall", cst(11, 25, 9), cst(12, 2)),  # answered in December: overdue at the end
    ("mall", cst(11, 30, 23, 30), None),  # 30 min before the end: not overdue yet
    ("social", cst(11, 21, 9), cst(11, 22, 15)),  # 30 h, late but answered
    ("social", cst(10, 30, 9), cst(10, 30, 10)),  # October
    ("social", cst(10, 28, 9), None),  # October, still overdue at November's end
]
# (entry, kind, created, due, done or None)
TASKS = [
    ("B", "NOTIFY_REGULATOR", cst(11, 15), cst(11, 20), cst(11, 18)),  # on time
    ("B", "INTERVIEW_PRINCIPAL", cst(11, 15), cst(11, 25), cst(11, 27)),  # late
    ("B", "PUBLISH_CREDIT_WEBSITE", cst(11, 15), cst(11, 30), None),  # open, late
    ("C", "NOTIFY_REGULATOR", cst(11, 28), cst(12, 3), None),  # open, not yet due
    ("D", "PUBLISH_CREDIT_WEBSITE", cst(9, 20), cst(10, 5), cst(10, 1)),  # done before
]
# (kind, entry, body beyond the ids, recorded at)
LEDGER_ROWS = [
    ("OBJECTION_FILED", "A", {"filed_by": "subject"}, cst(10, 20)),  # October
    ("OBJECTION_FILED", "B", {"filed_by": "mall"}, cst(11, 6)),
    ("OBJECTION_FILED", "C", {"filed_by": "subject"}, cst(11, 7)),
    ("OBJECTION_UPHELD", "C", {"outcome": "CORRECTED"}, cst(11, 10)),
    ("OBJECTION_DISMISSED", "A", {}, cst(11, 12)),
    ("OBJECTION_OVERDUE", "B", {"task_id": "t-1"}, cst(11, 26)),
    ("OBJECTION_UPHELD", "B", {"outcome": "DELISTED"}, cst(12, 2)),  # December
    ("REPAIR_APPLIED", "A", {}, cst(11, 8)),
    ("REPAIR_APPROVED", "A", {"to": "RECTIFIED"}, cst(11, 11)),
    ("REPAIR_APPLIED", "B", {}, cst(11, 20)),
    ("REPAIR_REFUSED", "B", {}, cst(11, 22)),
]


def _ledger_rows(connection: sa.Connection) -> None:
    for n, (kind, entry, extra, at) in enumerate(LEDGER_ROWS):
        ids: dict[str, object] = {"entry_id": entry}
        own = "objection_id" if kind.startswith("OBJECTION") else "repair_id"
        ids |= {own: f"x-{n}"}
        if kind == "OBJECTION_FILED":
            ids |= {"instruction_id": None, "paused": ["PUBLISH_CREDIT_WEBSITE"]}
        append(connection, [LedgerEntry(kind, "op", ids | extra, entry)], at)


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[sa.Engine]:
    engine = open_engine(fresh_database_url)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for member in ("mall", "social"):
            register_member(connection, member, "platform", member, [], now)
        for entry_id, (list_type, category, province, name) in ENTRIES.items():
            listed = min(at for e, s, at in TRANSITIONS if e == entry_id)
            connection.execute(
                list_entries.insert().values(
                    entry_id=entry_id,
                    list_type=list_type,
                    category=category,
                    status=[s for e, s, _ in TRANSITIONS if e == entry_id][-1],
                    listed_at=listed,
                    subject_name=name,
                    authority="杭州市市场监督管理局",
                    document_no=f"杭市监〔2026〕{entry_id}号",
                    province=province,
                    rectification_deadline=listed + timedelta(days=30),
                )
            )
        connection.execute(
            list_entry_identifiers.insert(),
            [
                {"entry_id": "A", "scheme": "USCC", "value": "91330100000000001X"},
                {"entry_id": "A", "scheme": "STORE", "value": "tmall:store:=cmd"},
                {"entry_id": "B", "scheme": "RESIDENT_ID", "value": "tok:v1:secret-token"},
            ],
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
                    "entry_id": "B",
                    "list_type": "BLACKLIST",
                    "category": "COUNTERFEIT",
                    "legal_basis": "716",
                    "issued_at": issued,
                    "acked_at": acked,
                    "ack_status": "EXECUTED" if acked else None,
                }
                for n, (member, issued, acked) in enumerate(INSTRUCTIONS)
            ],
        )
        connection.execute(
            operator_tasks.insert(),
            [
                {
                    "task_id": f"t-{n}",
                    "entry_id": e,
                    "kind": kind,
                    "detail": kind,
                    "created_at": created,
                    "due_at": due,
                    "done_at": done,
                    "done_by": "op",
                }
                for n, (e, kind, created, due, done) in enumerate(TASKS)
            ],
        )
        _ledger_rows(connection)
    yield engine
    engine.dispose()


@STORES
def test_the_month_matches_the_hand_count(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        report = monthly_report(connection, "2026-11", datetime.now(UTC))
    zero = dict.fromkeys(LIST_COLUMNS, 0)
    assert report.lists == {
        ("FAKE_TRANSACTION", "浙江省"): zero
        | {"LISTED": 1, "NOTIFIED": 1, "COMMITTED": 1, "RECTIFIED": 1, "DELISTED": 1},
        ("COUNTERFEIT", "广东省"): zero | {"NOTIFIED": 1, "OVERDUE": 1, "ESCALATED": 1},
        ("FALSE_ADVERTISING", "浙江省"): zero | {"LISTED": 1, "NOTIFIED": 1},
    }
    assert report.headline() == {
        "listed": 2,  # A and C (B was listed in October)
        "notified": 3,
        "committed": 1,
        "rectified": 1,  # A (C in December)
        "repaired": 1,  # A's repair approved
        "delisted": 1,
        "overdue": 1,
        "escalated": 1,
    }
    assert report.objections == {
        "filed": 2,
        "upheld_corrected": 1,
        "upheld_delisted": 0,  # December's
        "dismissed": 1,
        "overdue": 1,
    }
    assert report.repairs == {
        "applied": 2,
        "approved_rectified": 1,
        "approved_delisted": 0,
        "refused": 1,
    }
    assert report.tasks == [
        TaskLine("INTERVIEW_PRINCIPAL", created=1, done_on_time=0, done_late=1, open_late=0),
        TaskLine("NOTIFY_REGULATOR", created=2, done_on_time=1, done_late=0, open_late=0),
        TaskLine("PUBLISH_CREDIT_WEBSITE", created=1, done_on_time=0, done_late=0, open_late=1),
    ]
    assert report.members == [
        # 5 issued, 2 answered by the end (2 h, 4 h), overdue: 20 and 25 November
        MemberLine("mall", 5, 2, 3.0, 2),
        # 1 issued (30 h), overdue: 28 October's
        MemberLine("social", 1, 1, 30.0, 1),
    ]
    assert report.medians == {
        "listed_to_notified_days": 4.0,  # 2, 4, 6
        "listed_to_rectified_days": 10.0,
        "issue_to_ack_hours": 4.0,  # 2, 4, 30
    }
    assert report.due.isoformat() == "2026-12-14" and report.due_basis == "chinese-calendar"


@STORES
def test_texts_then_filing_freeze_the_report_and_its_hash(engine: sa.Engine) -> None:
    now = cst(12, 10, 10)
    with engine.begin() as connection:
        save_text(connection, "2026-11", "problems", "部分平台回执超时。", "op", now)
        save_text(connection, "2026-11", "problems", "部分平台回执超时，已督促。", "op", now)
        save_text(connection, "2026-11", "practices", "每周核对台账。", "op", now)
        with pytest.raises(UnknownSection):
            save_text(connection, "2026-11", "poetry", "x", "op", now)
    with engine.begin() as connection:
        filing = file_report(connection, "2026-11", "op", now)
    data = json.loads(filing.frozen_json)
    assert data["texts"] == {
        "problems": "部分平台回执超时，已督促。",
        "practices": "每周核对台账。",
    }
    assert filing.sha256 == hashlib.sha256(filing.frozen_json.encode()).hexdigest()
    assert (
        "部分平台回执超时，已督促。" in filing.frozen_html and filing.sha256 in filing.frozen_html
    )
    with engine.connect() as connection:
        kinds = connection.execute(
            sa.select(ledger.c.kind, ledger.c.body).where(ledger.c.ref == "2026-11")
        ).all()
    assert [k for k, _ in kinds] == ["REPORT_TEXT_SAVED"] * 3 + ["REPORT_FILED"]
    assert json.loads(kinds[-1][1])["sha256"] == filing.sha256
    # Frozen: no text, no second filing, and a late change to the store does not show.
    with engine.begin() as connection, pytest.raises(ReportFiled):
        save_text(connection, "2026-11", "problems", "改", "op", now)
    with engine.begin() as connection, pytest.raises(ReportFiled):
        file_report(connection, "2026-11", "op", now)
    with engine.begin() as connection:
        connection.execute(
            list_transitions.insert().values(
                entry_id="C",
                to_status="DELISTED",
                actor="op",
                reason="r",
                at=cst(11, 29),
                ledger_seq=99,
            )
        )
    with engine.connect() as connection:
        again = monthly_report(connection, "2026-11", datetime.now(UTC))
    assert again.headline()["delisted"] == 1 and again.sha256 == filing.sha256
    assert hashlib.sha256(canonical_json(report_data(again)).encode()).hexdigest() == filing.sha256


@STORES
def test_the_tracking_table_rows_and_filters(engine: sa.Engine) -> None:
    def ids(query: TrackingQuery) -> list[str]:
        with engine.connect() as connection:
            return [r.entry_id for r in tracking_table(connection, query)]

    assert ids(TrackingQuery()) == ["A", "B", "C", "D"]
    assert ids(TrackingQuery(month="2026-11")) == ["A", "B", "C"]  # D left in October
    assert ids(TrackingQuery(month="2026-08")) == []
    assert ids(TrackingQuery(province="浙江省")) == ["A", "C", "D"]
    assert ids(TrackingQuery(month="2026-11", province="浙江省")) == ["A", "C"]
    assert ids(TrackingQuery(status="ESCALATED")) == ["B"]
    with engine.connect() as connection:
        rows = {r.entry_id: tracking_cells(r) for r in tracking_table(connection, TrackingQuery())}
    a, b = rows["A"], rows["B"]
    assert (a["listed"], a["notified"], a["committed"]) == (
        "2026-11-01",
        "2026-11-03",
        "2026-11-05",
    )
    assert (a["rectified"], a["delisted"], a["deadline"]) == (
        "2026-11-11",
        "2026-11-20",
        "2026-12-01",
    )
    assert a["uscc"] == "91330100000000001X" and a["stores"] == "tmall:store:=cmd"
    assert (a["objections"], b["objections"], rows["D"]["objections"]) == (1, 1, 0)
    # all instructions are B's: mall 5 issued, 3 answered by now; social 3 and 2
    assert b["sanctions"] == "mall 5/3; social 3/2" and a["sanctions"] == ""
    assert b["listed"] == "2026-10-31" and b["status"] == "ESCALATED"
    assert "secret-token" not in repr(rows)  # a personal identifier never reaches the table
