"""The 月报's due date (§6: the last working day before the 15th of the following month) from
the State Council's schedule in the chinese-calendar package, with its make-up working days
(调休), HUB_HOLIDAYS and HUB_WORKDAYS as overrides, and weekends alone for a year the package
does not cover, said so in the basis."""

from datetime import date

import chinese_calendar
import pytest

from hub.reports.calendar import BASIS_CALENDAR, BASIS_WEEKENDS, DueDate, due, due_date


def test_a_make_up_working_saturday_on_the_14th_is_the_due_date() -> None:
    # 14 September 2024 was a Saturday worked for the Mid-Autumn holiday; 14 February 2026 a
    # Saturday worked for the Spring Festival. Weekends alone would say Friday the 13th.
    for saturday in (date(2024, 9, 14), date(2026, 2, 14)):
        assert saturday.weekday() == 5 and chinese_calendar.is_workday(saturday)
    assert due("2024-08") == DueDate(date(2024, 9, 14), BASIS_CALENDAR)
    assert due("2026-01") == DueDate(date(2026, 2, 14), BASIS_CALENDAR)


def test_a_14th_inside_the_spring_festival_goes_back_before_the_holiday() -> None:
    # The 2024 Spring Festival holiday ran 10 to 17 February: the 14th is a Wednesday off,
    # and the last working day before it is Friday 9 February.
    assert date(2024, 2, 14).weekday() == 2
    assert not chinese_calendar.is_workday(date(2024, 2, 14))
    assert due("2024-01") == DueDate(date(2024, 2, 9), BASIS_CALENDAR)


def test_ordinary_months_and_the_turn_of_the_year() -> None:
    assert due_date("2026-11") == date(2026, 12, 14)  # the 14th is a Monday
    assert due_date("2026-02") == date(2026, 3, 13)  # 14 March is a Saturday


def test_hub_holidays_and_hub_workdays_override_the_schedule() -> None:
    assert due_date("2026-11", holidays={date(2026, 12, 14)}) == date(2026, 12, 11)
    # A Saturday declared a working day wins, also over the same day among the holidays.
    saturday = date(2026, 3, 14)
    assert due_date("2026-02", workdays={saturday}) == saturday
    assert due_date("2026-02", holidays={saturday}, workdays={saturday}) == saturday
    # An override makes the package's make-up Saturday a day off again.
    assert due_date("2026-01", holidays={date(2026, 2, 14)}) == date(2026, 2, 13)


def test_a_year_the_package_lacks_falls_back_to_weekends_and_says_so() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2031, 1, 14))
    assert due("2030-12") == DueDate(date(2031, 1, 14), BASIS_WEEKENDS)  # a Tuesday
    assert due("2031-05") == DueDate(date(2031, 6, 13), BASIS_WEEKENDS)  # the 14th is a Saturday
    assert due("2031-05", workdays={date(2031, 6, 14)}).day == date(2031, 6, 14)


def test_an_invalid_month_is_refused_without_echo() -> None:
    with pytest.raises(ValueError) as refused:
        due_date("2026-13")
    assert "2026-13" not in str(refused.value)
