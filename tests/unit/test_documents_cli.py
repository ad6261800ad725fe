"""`alliance-hub lists documents`: both documents for an entry, and a one-line refusal, not a
traceback, for an entry with no stored rectification deadline."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from hub.store.engine import open_engine
from hub.store.list_entries import insert_entries
from hub.store.migrate import upgrade

LISTED = datetime(2026, 11, 1, tzinfo=UTC)
DEADLINE = datetime(2027, 2, 1, tzinfo=UTC)


def documents(database: Path, entry_id: str, out: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HUB_DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [sys.executable, "-m", "hub", "lists", "documents", entry_id, "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def store_with(database: Path, deadline: datetime | None) -> None:
    engine = open_engine(f"sqlite:///{database}")
    upgrade(engine)
    with engine.begin() as connection:
        # ENTRY_COLUMNS, then status and version.
        insert_entries(
            connection,
            [
                ("e-1", "BLACKLIST", "FAKE_TRANSACTION", LISTED, "示例网店", "杭州市市场监督管理局")
                + ("杭市监〔2026〕1号", "浙江省", "杭州市", deadline, "", LISTED, "LISTED", 1)
            ],
        )
    engine.dispose()


def test_documents_print_the_stored_deadline(tmp_path: Path) -> None:
    store_with(tmp_path / "hub.db", DEADLINE)
    done = documents(tmp_path / "hub.db", "e-1", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    notice = (tmp_path / "out" / "e-1-rectification-notice.html").read_text("utf-8")
    assert "示例网店" in notice
    assert "2027年2月1日" in notice  # the last day before a deadline at midnight, China time


def test_an_entry_without_a_deadline_is_refused_in_one_line(tmp_path: Path) -> None:
    store_with(tmp_path / "hub.db", None)
    done = documents(tmp_path / "hub.db", "e-1", tmp_path / "out")
    assert done.returncode != 0
    assert "no rectification deadline" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
