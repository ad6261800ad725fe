"""`alliance-hub report …` end to end on SQLite: a section's text saved, the month filed
(its SHA-256 printed, the text then refused in one line, not a traceback), the frozen HTML
written by `report monthly`, HUB_WORKDAYS moving the due date, and the 台账 as a CSV file."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from hub.cli.main import app
from hub.store.engine import open_engine
from hub.store.list_entries import insert_entries
from hub.store.migrate import upgrade

LISTED = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def hub(database: Path, *args: str, **env: str) -> Ran:
    """`alliance-hub report …` in this process (a subprocess per call costs seconds)."""
    environment = {"HUB_DATABASE_URL": f"sqlite:///{database}", "HUB_HOLIDAYS": "[]"} | env
    done = CliRunner().invoke(app, ["report", *args], env=environment)
    return Ran(done.exit_code, done.stdout, done.stderr)


def test_texts_filing_and_the_tracking_table(tmp_path: Path) -> None:
    database = tmp_path / "store.sqlite3"
    engine = open_engine(f"sqlite:///{database}")
    upgrade(engine)
    with engine.begin() as connection:
        insert_entries(
            connection,
            [
                (
                    "e-1",
                    "BLACKLIST",
                    "FAKE_TRANSACTION",
                    LISTED,
                    "=示例网店",
                    "杭州市市场监督管理局",
                )
                + ("杭市监〔2026〕1号", "浙江省", "杭州市", None, "", LISTED, "LISTED", 1)
            ],
        )
    engine.dispose()
    saved = hub(database, "text", "--month", "2026-01", "--section", "problems", "--text", "无")
    assert saved.returncode == 0 and "saved 2026-01 problems sha256" in saved.stdout, saved.stderr
    # 14 February 2026 is a make-up working Saturday; declared a holiday, Friday the 13th.
    shifted = hub(
        database,
        "monthly",
        "--month",
        "2026-01",
        "--out",
        str(tmp_path),
        HUB_HOLIDAYS='["2026-02-14"]',
    )
    assert "due 2026-02-13 (chinese-calendar)" in shifted.stdout, shifted.stderr
    filed = hub(database, "file", "--month", "2026-01")
    assert filed.returncode == 0 and "filed 2026-01 sha256 " in filed.stdout, filed.stderr
    digest = filed.stdout.split()[-1]
    refused = hub(database, "text", "--month", "2026-01", "--section", "problems", "--text", "改")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "filed and can no longer change" in refused.stderr
    written = hub(database, "monthly", "--month", "2026-01", "--out", str(tmp_path))
    assert f"sha256 {digest}" in written.stdout
    html = (tmp_path / "monthly-report-2026-01.html").read_text("utf-8")
    assert digest in html and "2026年2月14日" in html  # frozen as filed, the package's date
    table = tmp_path / "tracking.csv"
    made = hub(database, "tracking", "--province", "浙江省", "--out", str(table))
    assert made.returncode == 0 and "1 rows" in made.stdout, made.stderr
    lines = table.read_text("utf-8").removeprefix("\ufeff").splitlines()
    assert lines[2].startswith("e-1,BLACKLIST,FAKE_TRANSACTION,'=示例网店,")
