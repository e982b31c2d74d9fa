"""Deadlines: 30 calendar days (§15.4, §18.9), the last day moved to the next working day,
the end of the local day in the company's zone; one extension of up to 30 days (59-ФЗ ст. 12
ч. 2). Warnings to staff at D-5 and D-1 (working days) and when the deadline is missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.deadlines import (
    ANSWER_DAYS,
    SetCalendar,
    WarningStage,
    WorkingCalendar,
    days_left,
    due_date,
    end_of_day,
    extend_due,
    is_overdue,
    next_working_day,
    warning_day,
    warning_days,
    warning_stage,
)
from domain.errors import ExtensionTooLong, ExtensionTooShort
from storage.calendar import ProductionCalendar

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


# -- warnings to staff: D-5, D-1 (working days before the due date) and overdue ----------

PRODUCTION = ProductionCalendar()
# What the production calendar holds around New Year 2027 (holidays 0.109): 31 December
# 2026 and 1–10 January 2027 off; for SetCalendar the same days by hand.
NEW_YEAR_2027 = SetCalendar(
    days_off={date(2026, 12, 31)} | {date(2027, 1, d) for d in range(1, 9)}
)
CALENDARS = pytest.mark.parametrize(
    "calendar", [WEEKENDS, PRODUCTION], ids=["set-calendar", "production-calendar"]
)


def _warnings(due_day: date, calendar: WorkingCalendar) -> tuple[date, date]:
    due = end_of_day(due_day, MSK)
    return warning_day(due, 5, calendar, MSK), warning_day(due, 1, calendar, MSK)


@CALENDARS
def test_warnings_in_a_plain_week(calendar: WorkingCalendar) -> None:
    """Due on Friday 11 December 2026: D-1 is Thursday, D-5 the Friday before."""
    assert _warnings(date(2026, 12, 11), calendar) == (date(2026, 12, 4), date(2026, 12, 10))


@CALENDARS
def test_warnings_for_a_due_date_right_after_a_weekend(calendar: WorkingCalendar) -> None:
    """Due on Monday 7 December 2026: D-1 is the Friday before, not Sunday."""
    assert _warnings(date(2026, 12, 7), calendar) == (date(2026, 11, 30), date(2026, 12, 4))


@pytest.mark.parametrize(
    "calendar", [NEW_YEAR_2027, PRODUCTION], ids=["set-calendar", "production-calendar"]
)
def test_warnings_for_a_due_date_right_after_the_new_year_holidays(
    calendar: WorkingCalendar,
) -> None:
    """Due on Monday 11 January 2027, the first working day of the year (31 December 2026 –
    10 January 2027 off): both warnings land in December 2026, before the holidays."""
    assert not PRODUCTION.is_working_day(date(2026, 12, 31))
    assert not any(PRODUCTION.is_working_day(date(2027, 1, d)) for d in range(1, 11))
    assert _warnings(date(2027, 1, 11), calendar) == (date(2026, 12, 24), date(2026, 12, 30))


def test_warnings_for_due_dates_after_the_may_holidays() -> None:
    """Production calendar 2026: 1–3 May and 9–11 May off."""
    # Due Tuesday 12 May 2026: D-1 on Friday 8 May, D-5 on Monday 4 May.
    assert _warnings(date(2026, 5, 12), PRODUCTION) == (date(2026, 5, 4), date(2026, 5, 8))
    # Due Monday 4 May 2026: D-1 on Thursday 30 April, D-5 on Friday 24 April.
    assert _warnings(date(2026, 5, 4), PRODUCTION) == (date(2026, 4, 24), date(2026, 4, 30))


def test_a_working_saturday_is_a_warning_day() -> None:
    """2027: Saturday 20 February is a working day (the decree), 22–23 February off: due on
    Wednesday 24 February, D-1 is that Saturday."""
    assert _warnings(date(2027, 2, 24), PRODUCTION) == (date(2027, 2, 16), date(2027, 2, 20))


def test_warning_days_name_every_stage() -> None:
    due = end_of_day(date(2026, 12, 11), MSK)
    assert warning_days(due, WEEKENDS, MSK) == {
        WarningStage.D5: date(2026, 12, 4),
        WarningStage.D1: date(2026, 12, 10),
        WarningStage.OVERDUE: date(2026, 12, 12),
    }
    assert [stage.value for stage in WarningStage] == ["d5", "d1", "overdue"]


def test_warning_day_needs_at_least_one_day_and_a_calendar_with_working_days() -> None:
    class Never:
        def is_working_day(self, day: date) -> bool:
            return False

    due = end_of_day(date(2026, 12, 11), MSK)
    with pytest.raises(ValueError, match="at least one"):
        warning_day(due, 0, WEEKENDS, MSK)
    with pytest.raises(ValueError, match="no working day"):
        warning_day(due, 1, Never(), MSK)


@CALENDARS
@pytest.mark.parametrize(
    ("now", "stage"),
    [
        (_msk(2026, 12, 3, 18), None),  # the day before D-5
        (_msk(2026, 12, 4, 0, 0), WarningStage.D5),  # D-5 from its first second
        (_msk(2026, 12, 4, 9), WarningStage.D5),  # D-5 morning
        (_msk(2026, 12, 7, 9), WarningStage.D5),  # between the two: still D5
        (_msk(2026, 12, 10, 9), WarningStage.D1),  # D-1
        (_msk(2026, 12, 11, 9), WarningStage.D1),  # the due day itself
        (datetime(2026, 12, 11, 23, 59, 58, tzinfo=MSK), WarningStage.D1),
        (datetime(2026, 12, 12, 0, 0, 1, tzinfo=MSK), WarningStage.OVERDUE),
        (_msk(2027, 3, 1), WarningStage.OVERDUE),
    ],
    ids=[
        "before-d5",
        "d5-midnight",
        "d5-morning",
        "between",
        "d1",
        "due-day",
        "due-day-23:59:58",
        "next-day-00:00:01",
        "long-after",
    ],
)
def test_the_stage_reached_at_a_moment(
    calendar: WorkingCalendar, now: datetime, stage: WarningStage | None
) -> None:
    """Due on Friday 11 December 2026: D-5 on the 4th, D-1 on the 10th."""
    due = end_of_day(date(2026, 12, 11), MSK)
    assert warning_stage(due, now, calendar, MSK) == stage


def test_the_stage_follows_the_local_date_not_the_utc_one() -> None:
    """22:30 UTC is 01:30 of the next day in Moscow."""
    due = end_of_day(date(2026, 12, 11), MSK)
    # 3 December in UTC, 4 December (D-5) in Moscow.
    assert warning_stage(due, datetime(2026, 12, 3, 22, 30, tzinfo=UTC), WEEKENDS, MSK) == (
        WarningStage.D5
    )
    # 9 December in UTC, 10 December (D-1) in Moscow.
    assert warning_stage(due, datetime(2026, 12, 9, 22, 30, tzinfo=UTC), WEEKENDS, MSK) == (
        WarningStage.D1
    )
    # 11 December (the due day) in UTC, already the 12th in Moscow: overdue.
    assert warning_stage(due, datetime(2026, 12, 11, 22, 30, tzinfo=UTC), WEEKENDS, MSK) == (
        WarningStage.OVERDUE
    )
    # An hour earlier it is 23:30 on the due day in Moscow.
    assert warning_stage(due, datetime(2026, 12, 11, 20, 30, tzinfo=UTC), WEEKENDS, MSK) == (
        WarningStage.D1
    )


def test_the_stage_refuses_a_naive_now() -> None:
    due = end_of_day(date(2026, 12, 11), MSK)
    with pytest.raises(ValueError, match="aware"):
        warning_stage(due, datetime(2026, 12, 4, 9), WEEKENDS, MSK)  # noqa: DTZ001 - the point


def _working_days_between(start: date, end: date, calendar: WorkingCalendar) -> int:
    """Working days strictly between two dates."""
    return sum(
        calendar.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days)
    )


@given(due_day=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)))
def test_warning_day_properties_on_the_production_calendar(due_day: date) -> None:
    """D-1 is a working day before the due date with no working day in between; D-5 has
    exactly three working days between it and D-1."""
    due = end_of_day(due_day, MSK)
    d5, d1 = _warnings(due_day, PRODUCTION)
    assert d1 < due_day
    assert PRODUCTION.is_working_day(d1)
    assert _working_days_between(d1, due_day, PRODUCTION) == 0
    assert d5 < d1
    assert PRODUCTION.is_working_day(d5)
    assert _working_days_between(d5, d1, PRODUCTION) == 3
    assert warning_days(due, PRODUCTION, MSK)[WarningStage.OVERDUE] == due_day + timedelta(1)
