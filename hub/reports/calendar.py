"""When the monthly report is due: the last working day before the 15th of the following
month, skipping weekends and the holidays the operators configure (the State Council's
holiday schedule changes every year, so it cannot be computed)."""

from collections.abc import Collection
from datetime import date, timedelta

__all__ = ["due_date", "month_bounds"]


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of `month` ("2026-11") and the first day of the next."""
    year, number = (int(part) for part in month.split("-"))
    if not 1 <= number <= 12 or len(month) != 7:
        raise ValueError(f"month must look like 2026-11, not {month!r}")
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
