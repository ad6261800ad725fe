"""Every CSV the hub writes goes through here: OWASP's rule against CSV (formula) injection.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and tab or
carriage return can hide such a start. Text in the hub's CSVs comes from outside (a member id,
a list authority's wording, a reason an operator typed), so a cell that opened in Excel or WPS
as `=HYPERLINK(...)` would run on an auditor's machine. OWASP's rule: prefix such a cell with
a single quote, which spreadsheets show as text, and leave every other cell exactly as it is
(a start hidden behind full-width forms, zero-width characters or spaces counts too);
`csv` quotes whatever needs quoting. Numbers the hub itself computes are not text and pass
unchanged (a count of -1 stays a number).
"""

import csv
import unicodedata
from collections.abc import Iterable
from typing import Any, Protocol

__all__ = ["FORMULA_STARTS", "SpreadsheetCsv", "safe_cell"]

# https://owasp.org/www-community/attacks/CSV_Injection
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _start(text: str) -> str:
    """How a spreadsheet may read the cell's start: full-width forms folded (＝ as =), and
    invisible format characters (zero-width space, byte-order mark) and spaces before it
    skipped, since some programs skip them too."""
    folded = unicodedata.normalize("NFKC", text[:64])
    return "".join(c for c in folded if unicodedata.category(c) != "Cf").lstrip(" ")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """`value`, with a single quote in front if it is text a spreadsheet would run."""
    if isinstance(value, str) and _start(value).startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SpreadsheetCsv:
    """A `csv.writer` whose every text cell is made safe to open in a spreadsheet."""

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])
