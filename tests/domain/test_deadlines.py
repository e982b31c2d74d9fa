"""Deadlines: 30 calendar days (§15.4, §18.9), the last day moved to the next working day,
the end of the local day in the company's zone; one extension of up to 30 days (59-ФЗ ст. 12
ч. 2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.deadlines import (
    ANSWER_DAYS,
    SetCalendar,
    days_left,
    due_date,
    end_of_day,
    extend_due,
    is_overdue,
    next_working_day,
)
from domain.errors import ExtensionTooLong, ExtensionTooShort

MSK = ZoneInfo("Europe/Moscow")
WEEKENDS = SetCalendar()
NEW_YEAR_2026 = SetCalendar(days_off={date(2026, 1, d) for d in range(1, 10)})


def _msk(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(MSK).date()


def test_answer_time_is_30_calendar_days() -> None:
    """§15.4, §18.9: 30 calendar days from registration; a Tuesday + 30 is a Thursday."""
    due = due_date(registered_at=_msk(2026, 11, 24), days=30, calendar=WEEKENDS, zone=MSK)
    assert _local_day(due) == date(2026, 12, 24)
    assert ANSWER_DAYS == 30


def test_the_due_moment_is_the_end_of_the_local_day_in_utc() -> None:
    due = due_date(registered_at=_msk(2026, 11, 24), days=30, calendar=WEEKENDS, zone=MSK)
    assert due == datetime(2026, 12, 24, 20, 59, 59, tzinfo=UTC)
    assert due.tzinfo is UTC
    assert due.astimezone(MSK).time() == time(23, 59, 59)


def test_days_count_from_the_local_registration_date() -> None:
    """01:30 Moscow time on 2 March is 22:30 UTC on 1 March: registered on the 2nd."""
    registered = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    due = due_date(registered_at=registered, days=30, calendar=WEEKENDS, zone=MSK)
    assert _local_day(due) == date(2026, 4, 1)


def test_a_due_date_on_a_saturday_moves_to_monday() -> None:
    """requirements.md §1: a last day off moves to the next working day."""
    # 2026-11-07 + 30 = 2026-12-07 is a Monday; 2026-11-05 + 30 = 2026-12-05 a Saturday.
    due = due_date(registered_at=_msk(2026, 11, 5), days=30, calendar=WEEKENDS, zone=MSK)
    assert _local_day(due) == date(2026, 12, 7)


def test_due_date_moves_past_new_year_holidays() -> None:
    """§15.4, §18.9: 2025-12-05 + 30 = 2026-01-04, inside the New Year holidays (1–9 January
    2026 off) and a Sunday: due on Monday 12 January."""
    due = due_date(registered_at=_msk(2025, 12, 5), days=30, calendar=NEW_YEAR_2026, zone=MSK)
    assert _local_day(due) == date(2026, 1, 12)


def test_a_working_saturday_is_a_due_date() -> None:
    calendar = SetCalendar(working_days={date(2026, 12, 5)})
    due = due_date(registered_at=_msk(2026, 11, 5), days=30, calendar=calendar, zone=MSK)
    assert _local_day(due) == date(2026, 12, 5)


def test_set_calendar_weekends_off_unless_working_and_days_off_always_off() -> None:
    saturday, monday = date(2026, 12, 5), date(2026, 12, 7)
    assert not WEEKENDS.is_working_day(saturday)
    assert WEEKENDS.is_working_day(monday)
    both = SetCalendar(days_off={saturday, monday}, working_days={saturday})
    assert not both.is_working_day(saturday)
    assert not both.is_working_day(monday)


def test_a_calendar_without_working_days_is_an_error() -> None:
    class Never:
        def is_working_day(self, day: date) -> bool:
            return False

    with pytest.raises(ValueError, match="no working day"):
        next_working_day(date(2026, 1, 1), Never())


def test_naive_registration_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_date(
            registered_at=datetime(2026, 11, 24, 12, 0),  # noqa: DTZ001 - the point
            days=30,
            calendar=WEEKENDS,
            zone=MSK,
        )


def test_extension_counts_from_the_current_due_date_and_shifts_likewise() -> None:
    """59-ФЗ ст. 12 ч. 2: up to 30 more days."""
    due = end_of_day(date(2025, 12, 10), MSK)
    # 2025-12-10 + 30 = 2026-01-09, a day off in the New Year holidays: Monday 12 January.
    extended = extend_due(due_at=due, days=30, calendar=NEW_YEAR_2026, zone=MSK)
    assert _local_day(extended) == date(2026, 1, 12)
    assert extended.astimezone(MSK).time() == time(23, 59, 59)
    assert _local_day(extend_due(due_at=due, days=1, calendar=WEEKENDS, zone=MSK)) == date(
        2025, 12, 11
    )


def test_extension_only_once_and_at_most_30_days() -> None:
    """59-ФЗ ст. 12 ч. 2: at most 30 days (the "once" is enforced by the lifecycle)."""
    due = end_of_day(date(2026, 12, 24), MSK)
    with pytest.raises(ExtensionTooLong) as refused:
        extend_due(due_at=due, days=31, calendar=WEEKENDS, zone=MSK)
    assert refused.value.max_days == 30
    with pytest.raises(ExtensionTooShort):
        extend_due(due_at=due, days=0, calendar=WEEKENDS, zone=MSK)


def test_days_left_counts_calendar_days_in_the_company_zone() -> None:
    due = end_of_day(date(2026, 12, 24), MSK)
    assert days_left(due, _msk(2026, 12, 19, 9), MSK) == 5
    assert days_left(due, _msk(2026, 12, 24, 0, 1), MSK) == 0
    assert days_left(due, _msk(2026, 12, 25, 0, 1), MSK) == -1
    # 23:30 UTC on the 23rd is already the 24th in Moscow.
    assert days_left(due, datetime(2026, 12, 23, 23, 30, tzinfo=UTC), MSK) == 0


def test_overdue_only_after_the_last_second_of_the_due_date() -> None:
    due = end_of_day(date(2026, 12, 24), MSK)
    assert not is_overdue(due, due)
    assert is_overdue(due, due + timedelta(seconds=1))


DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(
    registered_at=st.datetimes(
        min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
        max_value=datetime(2027, 12, 31, 23, 59, 59),  # noqa: DTZ001
        timezones=st.sampled_from([MSK, UTC, ZoneInfo("Asia/Vladivostok")]),
    ),
    days=st.integers(min_value=0, max_value=60),
    days_off=st.sets(DAYS, max_size=200),
    working_days=st.sets(DAYS, max_size=50),
)
def test_due_date_properties_with_random_overrides(
    registered_at: datetime, days: int, days_off: set[date], working_days: set[date]
) -> None:
    """The due date is a working day, not before registration + N days, and no working day
    lies between registration + N days and it."""
    calendar = SetCalendar(days_off=days_off, working_days=working_days)
    due = due_date(registered_at=registered_at, days=days, calendar=calendar, zone=MSK)
    earliest = _local_day(registered_at) + timedelta(days=days)
    day = _local_day(due)
    assert calendar.is_working_day(day)
    assert day >= earliest
    assert not any(
        calendar.is_working_day(earliest + timedelta(days=n)) for n in range((day - earliest).days)
    )
    assert due.astimezone(MSK).time() == time(23, 59, 59)
