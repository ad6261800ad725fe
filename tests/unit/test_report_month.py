"""Report months: YYYY-MM within the years a report can cover, else InvalidMonth (never an
OverflowError from shifting year 1 to UTC), and the error does not echo what was asked."""

from datetime import date

import pytest

from hub.reports.calendar import FIRST_YEAR, LAST_YEAR, InvalidMonth, month_bounds


@pytest.mark.parametrize(
    "month",
    ["0001-01", "9999-12", "1969-12", "2026-13", "2026-00", "2026-1", "+202-11", "٢٠٢٦-11", ""],
)
def test_months_outside_the_rule_are_invalid(month: str) -> None:
    with pytest.raises(InvalidMonth) as refused:
        month_bounds(month)
    assert str(refused.value) == (
        f"month: expected YYYY-MM (e.g. 2026-11), month 01 to 12, year {FIRST_YEAR} to {LAST_YEAR}"
    )


def test_the_first_and_last_months_covered_have_bounds() -> None:
    assert month_bounds(f"{FIRST_YEAR}-01") == (date(FIRST_YEAR, 1, 1), date(FIRST_YEAR, 2, 1))
    assert month_bounds(f"{LAST_YEAR}-12") == (date(LAST_YEAR, 12, 1), date(LAST_YEAR + 1, 1, 1))
