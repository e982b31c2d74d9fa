"""Answer deadlines (§15.4, §18.9, 59-ФЗ ст. 12): calendar days from registration, the last
day moved to the next working day when it falls on a day off.

The choice, written down once:
- Days are counted on the company's calendar (its time zone, a setting): an appeal that
  arrives at 01:30 Moscow time on the 2nd is registered on the 2nd, whatever UTC says.
- Due date = local registration date + N calendar days ("дней" in 59-ФЗ and Order 186 are
  calendar days). If that day is a day off, the next working day (requirements.md §1, and
  the rule of ГК РФ ст. 193 for terms ending on a day off).
- The deadline is the end of that local day, 23:59:59, stored in UTC: an answer given at any
  time on the due date is on time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.errors import ExtensionTooLong, ExtensionTooShort

ANSWER_DAYS = 30  # §15.4, §18.9; per-kind terms are settings, this is their default
MAX_EXTENSION_DAYS = 30  # 59-ФЗ ст. 12 ч. 2
END_OF_DAY = time(23, 59, 59)
# No real calendar has a year of days off; a calendar that does is broken.
_MAX_DAYS_OFF_IN_A_ROW = 366


class WorkingCalendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


class SetCalendar(WorkingCalendar):
    """Saturdays and Sundays off unless listed as working days; `days_off` always off. For
    tests, and for settings without a production calendar."""

    def __init__(self, days_off: Iterable[date] = (), working_days: Iterable[date] = ()) -> None:
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)

    def is_working_day(self, day: date) -> bool:
        if day in self.days_off:
            return False
        return day.weekday() < 5 or day in self.working_days


def next_working_day(day: date, calendar: WorkingCalendar) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
        if calendar.is_working_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError("the calendar has no working day within a year")


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last second of a local day, in UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    _require_aware(moment)
    return moment.astimezone(zone).date()


def due_date(
    *, registered_at: datetime, days: int, calendar: WorkingCalendar, zone: ZoneInfo
) -> datetime:
    """The end of the local day `days` calendar days after registration, moved to the next
    working day (see the module docstring)."""
    if days < 0:
        raise ValueError("a term is not negative")
    day = local_date(registered_at, zone) + timedelta(days=days)
    return end_of_day(next_working_day(day, calendar), zone)


def extend_due(
    *, due_at: datetime, days: int, calendar: WorkingCalendar, zone: ZoneInfo
) -> datetime:
    """59-ФЗ ст. 12 ч. 2: the due date extended by 1–30 calendar days, counted from the current
    due date and moved to the next working day like the first one."""
    if days > MAX_EXTENSION_DAYS:
        raise ExtensionTooLong(MAX_EXTENSION_DAYS)
    if days < 1:
        raise ExtensionTooShort()
    day = local_date(due_at, zone) + timedelta(days=days)
    return end_of_day(next_working_day(day, calendar), zone)


def days_left(due_at: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Calendar days from today to the due date in the company's zone: 0 on the due date,
    negative once it is missed (-1 the day after)."""
    return (local_date(due_at, zone) - local_date(now, zone)).days


def is_overdue(due_at: datetime, now: datetime) -> bool:
    _require_aware(now)
    return now > due_at


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
