"""List import speed: reading and validating a generated file, then writing it to the store,
as `alliance-hub lists import` does (same functions, collector off the same way).

    python bench/lists_import.py [--rows 1000000] [--database-url URL] [--json]

Rows look like a market regulator's blacklist: one USCC and one store per entry, Chinese
names, a listing date. A second import of the same file measures the no-change path.
Figures, not assertions; the issue's target is one million rows in under a minute.
"""

import argparse
import gc
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from alliance_connector.identifiers import uscc_check_character
from hub.lists.imports import apply_import
from hub.lists.reading import read_list_file
from hub.policy.loading import default_policy
from hub.store.engine import open_engine
from hub.store.migrate import upgrade

HEADER = (
    "entry_id,list_type,category,subject_name,uscc,store,"
    "authority,document_no,province,city,listed_at\n"
)
CATEGORIES = ("FAKE_TRANSACTION", "EMPTY_PARCEL", "COUNTERFEIT", "IP_INFRINGEMENT")


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(rows):
            first17 = f"91330100{n:09d}"
            uscc = first17 + uscc_check_character(first17)
            out.write(
                f"bl-{n},BLACKLIST,{CATEGORIES[n % 4]},杭州某某电子商务有限公司{n},{uscc},"
                f"mall:store:{n},杭州市市场监督管理局,杭市监〔2026〕{n}号,浙江省,杭州市,"
                f"2026-10-{1 + n % 28:02d}\n"
            )


def timed_import(path: Path, engine: sa.Engine) -> tuple[float, float, int]:
    """(read seconds, write seconds, entries changed or new) for one import of `path`."""
    policy = default_policy()
    gc.disable()
    try:
        started = time.perf_counter()
        read = read_list_file(path)
        assert not read.problems, read.problems[:5]  # noqa: S101 - generated rows are valid
        reading = time.perf_counter() - started
        with engine.begin() as connection:
            summary = apply_import(
                connection, read.entries, "bench", path.name, policy, datetime.now(UTC)
            )
        writing = time.perf_counter() - started - reading
    finally:
        gc.enable()
    return reading, writing, summary.new + summary.changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="alliance-lists-bench-"))
    path = workdir / "blacklist.csv"
    write_file(path, args.rows)
    url = args.database_url or f"sqlite:///{workdir / 'lists.sqlite3'}"
    engine = open_engine(url)
    upgrade(engine)
    size_mb = path.stat().st_size / 2**20
    read_s, write_s, written = timed_import(path, engine)
    again_read_s, again_write_s, rewritten = timed_import(path, engine)
    engine.dispose()
    total = read_s + write_s
    print(f"{args.rows:,} rows ({size_mb:.0f} MiB CSV, {engine.dialect.name})")
    print(f"  first import: read+validate {read_s:.1f}s, write {write_s:.1f}s, total {total:.1f}s")
    print(f"  = {args.rows / total:,.0f} rows/s; {written:,} entries written")
    print(
        f"  same file again: read {again_read_s:.1f}s, compare {again_write_s:.1f}s, "
        f"{rewritten} entries written"
    )
    if args.json:
        figures = {
            "rows": args.rows,
            "database": engine.dialect.name,
            "read_s": round(read_s, 2),
            "write_s": round(write_s, 2),
            "total_s": round(total, 2),
            "reimport_s": round(again_read_s + again_write_s, 2),
            "reimport_written": rewritten,
        }
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
