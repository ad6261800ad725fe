"""When the monthly report is due: the last working day before the 15th of the following
month, skipping weekends and the holidays the operators configure (the State Council's
holiday schedule changes every year, so it cannot be computed)."""

import re
from collections.abc import Collection
from datetime import date, timedelta

__all__ = ["FIRST_YEAR", "LAST_YEAR", "InvalidMonth", "due_date", "month_bounds"]

# Reports are counted in UTC+8 and stored in UTC, so a month must keep a day's margin from
# both ends of Python's calendar (year 1 shifted to UTC overflows): any plausible report fits.
FIRST_YEAR, LAST_YEAR = 1970, 9998
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class InvalidMonth(ValueError):
    """A report month that is not YYYY-MM within the years reports cover; never echoes it."""

    def __init__(self) -> None:
        super().__init__(
            f"month: expected YYYY-MM (e.g. 2026-11), month 01 to 12, "
            f"year {FIRST_YEAR} to {LAST_YEAR}"
        )


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of `month` ("2026-11") and the first day of the next; InvalidMonth if
    it is not such a month."""
    parsed = _MONTH.fullmatch(month)
    if parsed is None:
        raise InvalidMonth
    year, number = int(parsed[1]), int(parsed[2])
    if not (1 <= number <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
        raise InvalidMonth
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, following


def due_date(month: str, holidays: Collection[date] = ()) -> date:
    """The last working day before the 15th of the month after `month`."""
    _, following = month_bounds(month)
    day = following.replace(day=15) - timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day -= timedelta(days=1)
    return day
