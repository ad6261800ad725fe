"""CSV formula injection (OWASP): text cells a spreadsheet would run get a leading single
quote, in the helper and in the monthly report's CSV; every other cell is left as it was."""

import csv
import io
from datetime import UTC, date, datetime

import pytest

from hub.csv_cells import FORMULA_STARTS, SpreadsheetCsv, safe_cell
from hub.reports.monthly import MemberLine, MonthlyReport
from hub.reports.render import report_csv

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_start_gets_a_quote(text: str) -> None:
    assert text.startswith(FORMULA_STARTS)
    assert safe_cell(text) == "'" + text


# Starts a spreadsheet may see through: full-width forms, invisible characters, spaces.
HIDDEN = ["＝1+1", "＋1", "－1", "＠SUM(A1)", "\n=1+1", " =1", "\u200b=1+1", "\ufeff=1+1"]


@pytest.mark.parametrize("text", HIDDEN)
def test_a_hidden_formula_start_gets_a_quote_too(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["浙江省", "mall", "a=b", "'=1", "1-2", "", 3, -1, 2.5, None])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_the_writer_quotes_what_csv_needs_and_neutralises_formulas() -> None:
    out = io.StringIO()
    SpreadsheetCsv(out).writerow(["=1,2", 'say "hi"', -5, "plain"])
    assert out.getvalue() == '"\'=1,2","say ""hi""",-5,plain\r\n'


def test_the_monthly_report_csv_neutralises_every_text_cell() -> None:
    report = MonthlyReport("2026-11", date(2026, 12, 14), datetime.now(UTC))
    counts = {"LISTED": 1}  # the columns it lacks are printed as 0
    report.lists[("=cat", "@SUM(A1)")] = counts  # province comes from the list file as is
    report.members.append(MemberLine("-2+3", 1, 0, None))
    rows = list(csv.reader(io.StringIO(report_csv(report).lstrip("\ufeff"))))
    assert ["lists", "'=cat", "'@SUM(A1)", "1", "0", "0", "0", "0", "0", "0"] in rows
    assert ["instructions", "'-2+3", "1", "0", "", "0"] in rows
    assert rows[0] == ["month", "2026-11", "due", "2026-12-14"]
