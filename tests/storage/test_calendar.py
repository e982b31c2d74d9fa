"""The production calendar: the `holidays` package for Russia plus the settings' overrides,
and the due dates it gives (§15.4, §18.9). No database needed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.deadlines import WorkingCalendar, due_date
from storage.calendar import ProductionCalendar

MSK = ZoneInfo("Europe/Moscow")
CALENDAR = ProductionCalendar()


def _working_days(calendar: WorkingCalendar, year: int) -> int:
    day, count = date(year, 1, 1), 0
    while day.year == year:
        count += calendar.is_working_day(day)
        day += timedelta(days=1)
    return count


def test_new_year_holidays_and_the_transferred_9_january_2026_are_days_off() -> None:
    for day in range(1, 12):  # 1–9 off, then the weekend of 10–11 January
        assert not CALENDAR.is_working_day(date(2026, 1, day))
    assert CALENDAR.is_working_day(date(2026, 1, 12))


def test_holidays_on_a_weekend_move_to_monday() -> None:
    """8 March 2026 is a Sunday: Monday 9 March is off."""
    assert not CALENDAR.is_working_day(date(2026, 3, 9))
    assert CALENDAR.is_working_day(date(2026, 3, 10))


def test_working_saturdays_of_the_decree_are_working_days() -> None:
    for saturday in (date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28), date(2025, 11, 1)):
        assert saturday.weekday() == 5
        assert CALENDAR.is_working_day(saturday)
    assert not CALENDAR.is_working_day(date(2025, 11, 3))  # the day off it paid for


def test_ordinary_weekends_are_off_and_weekdays_work() -> None:
    assert not CALENDAR.is_working_day(date(2026, 11, 28))
    assert not CALENDAR.is_working_day(date(2026, 11, 29))
    assert CALENDAR.is_working_day(date(2026, 11, 24))


@pytest.mark.parametrize(("year", "expected"), [(2024, 248), (2025, 247), (2026, 247)])
def test_working_days_per_year_match_the_official_production_calendar(
    year: int, expected: int
) -> None:
    assert _working_days(CALENDAR, year) == expected


def test_overrides_add_company_days_off_and_working_days() -> None:
    calendar = ProductionCalendar(
        extra_days_off={date(2026, 11, 24)}, extra_working_days={date(2026, 11, 28)}
    )
    assert not calendar.is_working_day(date(2026, 11, 24))
    assert calendar.is_working_day(date(2026, 11, 28))
    # An override beats the package both ways.
    calendar = ProductionCalendar(extra_working_days={date(2026, 1, 9)})
    assert calendar.is_working_day(date(2026, 1, 9))


def test_a_day_both_off_and_working_in_the_overrides_is_refused() -> None:
    with pytest.raises(ValueError, match="2026-11-24"):
        ProductionCalendar(
            extra_days_off={date(2026, 11, 24)}, extra_working_days={date(2026, 11, 24)}
        )


def test_years_without_a_decree_in_the_package_are_reported() -> None:
    """The package knows transfers only for the years whose decree it carries; later years
    need overrides."""
    assert all(ProductionCalendar.transfers_known(year) for year in (2024, 2025, 2026, 2027))
    assert not ProductionCalendar.transfers_known(2100)


def test_each_year_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    original = holidays.country_holidays

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("years"))
        return original(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    calendar = ProductionCalendar()
    for day in range(1, 32):
        calendar.is_working_day(date(2026, 1, day))
    calendar.is_working_day(date(2027, 1, 1))
    assert calls == [(2025, 2026, 2027), (2026, 2027, 2028)]


def test_due_date_moves_past_new_year_holidays() -> None:
    """§15.4, §18.9: registered 5 December 2025, + 30 days = Sunday 4 January 2026, inside
    the holidays (1–9 January): due Monday 12 January, 23:59:59 Moscow time."""
    registered = datetime(2025, 12, 5, 10, 0, tzinfo=MSK)
    due = due_date(registered_at=registered, days=30, calendar=CALENDAR, zone=MSK)
    assert due.astimezone(MSK) == datetime(2026, 1, 12, 23, 59, 59, tzinfo=MSK)


REGISTRATIONS = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2027, 12, 31, 23, 59, 59),  # noqa: DTZ001
    timezones=st.just(MSK),
)
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 3, 31))


def _check_due(calendar: WorkingCalendar, registered_at: datetime, days: int) -> None:
    due = due_date(registered_at=registered_at, days=days, calendar=calendar, zone=MSK)
    local = due.astimezone(MSK)
    earliest = registered_at.astimezone(MSK).date() + timedelta(days=days)
    assert local.time() == time(23, 59, 59)
    assert calendar.is_working_day(local.date())
    assert local.date() >= earliest
    assert not any(
        calendar.is_working_day(earliest + timedelta(days=n))
        for n in range((local.date() - earliest).days)
    )


@settings(deadline=None, max_examples=300)
@given(registered_at=REGISTRATIONS)
def test_due_dates_over_2024_to_2027_with_the_real_calendar(registered_at: datetime) -> None:
    """§15.4, §18.9: a working day, at least 30 calendar days after registration, and no
    working day between registration + 30 days and it."""
    _check_due(CALENDAR, registered_at, 30)


@settings(deadline=None, max_examples=100)
@given(
    registered_at=REGISTRATIONS,
    days=st.integers(min_value=1, max_value=60),
    days_off=st.sets(DAYS, max_size=60),
    working_days=st.sets(DAYS, max_size=30),
)
def test_due_dates_with_random_overrides(
    registered_at: datetime, days: int, days_off: set[date], working_days: set[date]
) -> None:
    calendar = ProductionCalendar(
        extra_days_off=days_off, extra_working_days=working_days - days_off
    )
    _check_due(calendar, registered_at, days)


def test_the_due_date_is_at_most_a_short_shift_past_30_days() -> None:
    """The longest run of days off in 2024–2027 is 31 December 2025 to 11 January 2026: no due
    date is more than 12 days past registration + 30."""
    day = date(2024, 1, 1)
    while day.year <= 2027:
        registered = datetime.combine(day, time(12), tzinfo=MSK)
        due = due_date(registered_at=registered, days=30, calendar=CALENDAR, zone=MSK)
        assert (due.astimezone(MSK).date() - (day + timedelta(days=30))).days <= 12
        day += timedelta(days=1)
