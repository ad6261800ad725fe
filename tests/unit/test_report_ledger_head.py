"""The monthly report carries the last tree head the hub signed in its month (账本树头), and a
filed report keeps the one it was filed with: whoever holds it can later ask for a
consistency proof from that head (docs/ledger.md)."""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from alliance_connector.signing import SigningKey
from hub.domain.china_time import CHINA
from hub.ledger.chain import LedgerEntry, append
from hub.ledger.tree_heads import sign_head
from hub.reports.filing import file_report
from hub.reports.monthly import monthly_report
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

KEY = SigningKey.from_seed(b"\x02" * 32)


def china(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=CHINA).astimezone(UTC)


def grow_and_sign(connection: sa.Connection, rows: int, at: datetime) -> int:
    append(connection, [LedgerEntry("TEST", "tests", {"n": n}) for n in range(rows)], at)
    head = sign_head(connection, KEY, at)
    assert head is not None
    return head.tree_size


def test_the_report_carries_its_months_last_head_and_files_it(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    with engine.begin() as connection:
        assert monthly_report(connection, "2026-11", china(11, 20)).ledger_head is None
        grow_and_sign(connection, 3, china(11, 10))
        in_november = grow_and_sign(connection, 2, china(11, 28))
        grow_and_sign(connection, 4, china(12, 2))  # December's: not November's to carry
        report = monthly_report(connection, "2026-11", china(12, 3))
        assert report.ledger_head is not None
        assert report.ledger_head["tree_size"] == in_november
        file_report(connection, "2026-11", "li.ming", china(12, 3))
        grow_and_sign(connection, 1, china(12, 4))
        filed = monthly_report(connection, "2026-11", china(12, 5))
    assert filed.ledger_head == report.ledger_head
    engine.dispose()
