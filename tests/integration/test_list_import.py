"""`alliance-hub lists import` on a real store: bad files are refused row by row with nothing
written; the same file twice changes nothing; a newer file applies new, changed, removed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from alliance_connector.identifiers import uscc_check_character
from hub.ledger.verify import verify
from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from hub.store.schema import ledger, list_entries, list_entry_identifiers, list_transitions

HEADER = (
    "entry_id,list_type,category,subject_name,uscc,authority,document_no,province,city,listed_at"
)
STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)


def uscc(n: int) -> str:
    first17 = f"91330100{n:09d}"
    return first17 + uscc_check_character(first17)


def row(n: int, name: str = "某某网店", category: str = "FAKE_TRANSACTION") -> str:
    return (
        f"e-{n},BLACKLIST,{category},{name}{n},{uscc(n)},某市市场监督管理局,"
        f"某市监〔2026〕{n}号,浙江省,杭州市,2026-10-0{1 + n % 9}"
    )


def import_file(url: str, path: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HUB_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "hub", "lists", "import", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def counts(url: str) -> tuple[int, int, int, int]:
    engine = open_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        found = tuple(
            int(connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
            for t in (list_entries, list_entry_identifiers, list_transitions, ledger)
        )
    engine.dispose()
    return found  # type: ignore[return-value]


@STORES
def test_bad_rows_are_all_reported_and_nothing_is_written(
    fresh_database_url: str, tmp_path: Path
) -> None:
    bad_uscc = uscc(2)[:-1] + ("0" if uscc(2)[-1] != "0" else "1")
    lines = [
        HEADER,
        row(1),
        row(2).replace(uscc(2), bad_uscc),  # line 3: wrong check character
        row(1),  # line 4: duplicate id
        row(4, category="FALSE_ADVERTISING"),  # line 5: a watch-list category on the blacklist
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file(fresh_database_url, path)
    assert result.returncode == 1
    for line, column in ((3, "uscc"), (4, "entry_id"), (5, "category")):
        assert f"bad.csv:{line}: {column}:" in result.stderr, result.stderr
    assert "nothing was imported" in result.stderr
    assert counts(fresh_database_url) == (0, 0, 0, 0)


def test_missing_columns_and_wrong_encoding_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    missing = tmp_path / "missing.csv"
    missing.write_text("entry_id,list_type\ne-1,BLACKLIST\n", encoding="utf-8")
    result = import_file(url, missing)
    assert result.returncode == 1 and "missing.csv:1: category:" in result.stderr
    latin = tmp_path / "latin1.csv"
    ascii_row = f"e-1,BLACKLIST,FAKE_TRANSACTION,Caf\xe9 Shop,{uscc(1)},AMR,No.1,ZJ,HZ,2026-10-01"
    latin.write_bytes((HEADER + "\n").encode() + ascii_row.encode("latin-1") + b"\n")
    result = import_file(url, latin)
    assert result.returncode == 1 and "latin1.csv:2:" in result.stderr, result.stderr
    assert counts(url) == (0, 0, 0, 0)


@STORES
def test_reimport_changes_nothing_and_a_newer_file_applies_the_delta(
    fresh_database_url: str, tmp_path: Path
) -> None:
    first = tmp_path / "2026-10.csv"
    first.write_text("\n".join([HEADER, row(1), row(2), row(3)]) + "\n", encoding="gb18030")
    assert import_file(fresh_database_url, first).returncode == 0
    before = counts(fresh_database_url)
    again = import_file(fresh_database_url, first)
    assert again.returncode == 0 and "0 new, 0 changed, 3 unchanged" in again.stdout
    assert counts(fresh_database_url) == before

    newer = tmp_path / "2026-11.csv"
    newer.write_text(
        "\n".join([HEADER, row(1), row(2, name="改名网店"), row(4)]) + "\n", encoding="utf-8"
    )
    result = import_file(fresh_database_url, newer)
    assert result.returncode == 0, result.stderr
    assert "1 new, 1 changed, 1 unchanged, 1 removed" in result.stdout
    engine = open_engine(fresh_database_url)
    with engine.connect() as connection:
        status = dict(
            connection.execute(sa.select(list_entries.c.entry_id, list_entries.c.status)).all()
        )
        renamed = connection.scalar(
            sa.select(list_entries.c.subject_name).where(list_entries.c.entry_id == "e-2")
        )
        assert verify(connection).ok
    engine.dispose()
    assert status == {"e-1": "LISTED", "e-2": "LISTED", "e-3": "DELISTED", "e-4": "LISTED"}
    assert renamed == "改名网店2"
