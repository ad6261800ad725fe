"""When the monthly report is due: §6 of the notice asks for it "于每月15日的前一个工作日", the
last working day before the 15th of the following month.

Which days are working days is the State Council's yearly holiday schedule, with its make-up
working days (调休) on weekends. The `chinese-calendar` package carries that schedule for the
years it has been published; outside them the rule falls back to weekends alone, and the
answer says so (`DueDate.basis`), so a report never claims more than it knows. Operators can
still override single days: `HUB_HOLIDAYS` adds days off (a local holiday, a schedule the
package has not caught up with), `HUB_WORKDAYS` adds working days; a day named in both is a
working day (an explicit make-up day is the narrower statement).
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

__all__ = [
    "BASIS_CALENDAR",
    "BASIS_WEEKENDS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "DueDate",
    "InvalidMonth",
    "due",
    "due_date",
    "month_bounds",
]

# Reports are counted in UTC+8 and stored in UTC, so a month must keep a day's margin from
# both ends of Python's calendar (year 1 shifted to UTC overflows): any plausible report fits.
FIRST_YEAR, LAST_YEAR = 1970, 9998
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")

BASIS_CALENDAR = "chinese-calendar"  # the State Council's schedule, holidays and 调休
BASIS_WEEKENDS = "weekends"  # no schedule for the year: weekends and the overrides only


class InvalidMonth(ValueError):
    """A report month that is not YYYY-MM within the years reports cover; never echoes it."""

    def __init__(self) -> None:
        super().__init__(
            f"month: expected YYYY-MM (e.g. 2026-11), month 01 to 12, "
            f"year {FIRST_YEAR} to {LAST_YEAR}"
        )


@dataclass(frozen=True)
class DueDate:
    day: date
    basis: str  # BASIS_CALENDAR or BASIS_WEEKENDS: what decided which days are working days


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


def _scheduled_workday(day: date) -> bool | None:
    """The package's word on `day`, or None for a year it has no schedule for."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # "no available data for year …"
        return None


def due(month: str, holidays: Collection[date] = (), workdays: Collection[date] = ()) -> DueDate:
    """The last working day before the 15th of the month after `month`, and its basis."""
    _, following = month_bounds(month)
    day = following.replace(day=15) - timedelta(days=1)
    basis = BASIS_CALENDAR
    while True:
        if day in workdays:
            return DueDate(day, basis)
        scheduled = _scheduled_workday(day)
        if scheduled is None:
            basis = BASIS_WEEKENDS
            scheduled = day.weekday() < 5
        if scheduled and day not in holidays:
            return DueDate(day, basis)
        day -= timedelta(days=1)


def due_date(month: str, holidays: Collection[date] = (), workdays: Collection[date] = ()) -> date:
    """The due day alone (see `due`)."""
    return due(month, holidays, workdays).day
