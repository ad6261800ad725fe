"""Reading a government sanction-list import file into list entries, and every problem in it.

An authority's list arrives as a CSV or JSON Lines file, often exported from a government system
in GBK. Whoever fixes a rejected file needs the whole picture at once, not one error per upload,
so reading never stops at the first bad row: it returns the valid entries and one `RowProblem`
(line, field, rule) per rule broken, and leaves what to import to the caller. It is pure (a
file in, entries and problems out) so the rules can be tested without services.

The row rules live in `hub.lists.row_rules`; this module handles encodings and formats.

Speed: one million rows must import in under a minute including the database write, so the
per-row path does plain dict and string work, with patterns compiled once.
"""

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from alliance_connector.tokens import TokenKey
from hub.domain.lists import ListEntry
from hub.lists.row_rules import COLUMNS, REQUIRED_COLUMNS, Row, RowChecker, RowProblem, shown_name

__all__ = [
    "COLUMNS",
    "MAX_HEADER_COLUMNS",
    "REQUIRED_COLUMNS",
    "ReadResult",
    "RowProblem",
    "read_list_file",
]

# A header names each known column at most once, so one wider than this is wrong whatever it
# holds; refusing it outright keeps a hostile 100,000-column header from costing a problem
# per column. The margin over len(COLUMNS) still lets a few stray columns be named one by one.
MAX_HEADER_COLUMNS = 64
_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class ReadResult:
    """Valid entries in file order and all problems in line order.

    `encoding` and `format` are "" when the file was refused before they could be settled.
    """

    entries: list[ListEntry]
    problems: list[RowProblem]
    rows: int
    encoding: str
    format: str


def read_list_file(
    path: Path,
    token_key: TokenKey | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReadResult:
    """Read and check the import file at `path`; bad content gives problems, never exceptions.

    Personal identifiers in clear are tokenised with `token_key`; without it they are problems.
    `progress(rows_so_far)` is called every 10,000 rows and once at the end. Raises `OSError`
    only if the file cannot be read.
    """
    checker = RowChecker(token_key)
    fmt = _FORMATS.get(path.suffix.lower(), "")
    encoding, text, rows = "", "", 0
    if not fmt:
        checker.add(0, "-", f"unknown format {path.suffix!r}: use .csv, .jsonl or .ndjson")
    else:
        encoding, text = _decode(path.read_bytes(), checker)
    if encoding:
        records = _csv_records(text, checker) if fmt == "csv" else _jsonl_records(text, checker)
        for line, record in records:
            rows += 1
            if record is not None:  # None: the reader has already recorded the problem
                checker.check(line, record, keys_known=fmt == "csv")
            if progress is not None and rows % _PROGRESS_EVERY == 0:
                progress(rows)
    if progress is not None and (rows == 0 or rows % _PROGRESS_EVERY):
        progress(rows)
    return ReadResult(checker.entries, checker.problems, rows, encoding, fmt)


def _decode(data: bytes, checker: RowChecker) -> tuple[str, str]:
    """Return (encoding, text): UTF-8 (BOM dropped) first, else GB18030, a superset of GBK."""
    try:
        return "utf-8", data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_bad = exc.start
    try:
        return "gb18030", data.decode("gb18030").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        gb_bad = exc.start
    # The decoding that got further is the file's likely encoding, so its bad byte is the one
    # to fix: a UTF-8 file with one stray Latin-1 byte fails GB18030 at its first Chinese word.
    bad = max(utf8_bad, gb_bad)
    rule = f"byte offset {bad} is neither UTF-8 nor GBK/GB18030 (re-export the file as UTF-8)"
    checker.add(data.count(b"\n", 0, bad) + 1, "-", rule)
    return "", ""


def _csv_records(text: str, checker: RowChecker) -> Iterator[tuple[int, Row | None]]:
    """(line, row) for each data row, row None if it cannot be read; the header is checked."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader, None)
    except csv.Error as exc:  # csv's messages name the fault, never a cell's content
        checker.add(1, "-", f"unreadable CSV header ({exc})")
        return
    if first is None:
        checker.add(0, "-", "file is empty: a header row is required")
        return
    if len(first) > MAX_HEADER_COLUMNS:
        checker.add(1, "-", f"header has {len(first)} columns, more than {MAX_HEADER_COLUMNS}")
        return
    header = [name.strip().lower() for name in first]
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if name not in COLUMNS:
            checker.add(1, shown_name(name, index), "unknown column")
        elif name in seen:
            checker.add(1, name, "column appears more than once")
        seen.add(name)
    for name in sorted(REQUIRED_COLUMNS.difference(header)):
        checker.add(1, name, "required column is missing")
    if checker.problems:
        return  # a misnamed column would silently lose its data; refuse the whole file
    width, last = len(header), reader.line_num
    while True:
        try:
            cells: list[str] | None = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. an oversized cell; the reader resumes on the next line
            checker.add(last + 1, "-", f"unreadable CSV row ({exc})")
            cells = None
        # line_num counts physical lines, so a quoted newline still reports the row's start.
        line, last = last + 1, reader.line_num
        if cells is None:
            yield line, None
        elif len(cells) == width:
            yield line, dict(zip(header, cells, strict=True))
        elif cells:  # an empty list is a blank line, which is not a row
            checker.add(line, "-", f"has {len(cells)} cells, the header has {width}")
            yield line, None


def _jsonl_records(text: str, checker: RowChecker) -> Iterator[tuple[int, Row | None]]:
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue  # a blank line is not a row
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: hostile nesting depth
            record = None
        if isinstance(record, dict):
            yield line, record
        else:
            checker.add(line, "-", "not a JSON object")
            yield line, None
