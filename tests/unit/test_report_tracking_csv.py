"""The 台账's CSV: a header in Chinese and one of keys, China-calendar dates, sanctions per
member as issued/acknowledged, and every text cell through the formula guard (=, +, -, @,
tab, CR), whichever column it sits in."""

import csv
import io
from datetime import UTC, datetime

import pytest

from hub.reports.tracking import COLUMNS, tracking_csv
from hub.store.tracking_reads import TrackingRow

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def row(text: str) -> TrackingRow:
    return TrackingRow(
        entry_id="e-1",
        list_type="BLACKLIST",
        category="FAKE_TRANSACTION",
        subject_name=text,
        authority=text,
        document_no=text,
        province=text,
        city="杭州市",
        status="NOTIFIED",
        # 16:30 UTC on 31 October is 1 November in China: the table prints China's date.
        listed_at=datetime(2026, 10, 31, 16, 30, tzinfo=UTC),
        rectification_deadline=datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
        identifiers={"USCC": ["91330100000000001X"], "STORE": [text, "tmall:store:1"]},
        reached={"NOTIFIED": datetime(2026, 11, 3, 1, 0, tzinfo=UTC)},
        sanctions={text: (3, 2), "social": (1, 0)},
        objections=2,
    )


def parsed(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_text_cell_is_neutralised(hostile: str) -> None:
    header, keys, line = parsed(tracking_csv([row(hostile)]))
    assert header == [zh for _, zh in COLUMNS] and keys == [key for key, _ in COLUMNS]
    cells = dict(zip(keys, line, strict=True))
    for key in ("subject_name", "authority", "document_no", "province", "stores", "sanctions"):
        assert cells[key].startswith("'" + hostile), key  # quoted, and otherwise as it was
    assert cells["subject_name"] == "'" + hostile
    assert cells["city"] == "杭州市"  # a harmless cell is left alone


def test_dates_sanctions_and_counts() -> None:
    _, keys, line = parsed(tracking_csv([row("某某网店")]))
    cells = dict(zip(keys, line, strict=True))
    assert cells["listed"] == "2026-11-01"
    assert cells["notified"] == "2026-11-03"
    assert cells["deadline"] == "2026-12-01"
    assert cells["committed"] == cells["rectified"] == cells["delisted"] == ""
    assert cells["uscc"] == "91330100000000001X"
    assert cells["stores"] == "某某网店; tmall:store:1"
    assert cells["sanctions"] == "某某网店 3/2; social 1/0"
    assert cells["objections"] == "2" and cells["status"] == "NOTIFIED"
