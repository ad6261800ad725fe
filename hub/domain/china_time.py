"""Rectification deadlines: a number of calendar months after listing (notice §4: three,
unless a department's own rule sets another period, which the policy file configures)."""

import calendar
from datetime import datetime, timedelta, timezone

__all__ = ["CHINA", "add_months"]

# Deadlines fall on China's calendar (UTC+8, no daylight saving), where the lists are issued.
CHINA = timezone(timedelta(hours=8))


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` calendar months later in China time; a day the
    target month lacks (31 May + 1 month) becomes its last day, as in civil reckoning."""
    local = moment.astimezone(CHINA)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(moment.tzinfo)
