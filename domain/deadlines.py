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

Warnings to staff (D-5, D-1, overdue), the choice written down likewise:
- D-n counts WORKING days before the due date, on the same company calendar and zone: staff
  read warnings on working days, and a warning due on a Saturday would be read on Monday,
  too late. D-1 is the last working day strictly before the due date, D-5 the fifth.
- The due date is the local date of `due_at` (23:59:59 local of the due day, stored in UTC).
- Overdue is reached the moment `now > due_at`, i.e. at 00:00:00 local of the next
  (calendar) day, whatever kind of day that is.
- `warning_stage` tells only the most advanced stage reached. The caller sends each stage
  once per due date and, when a later stage is already reached (the bot was down, the
  appeal was registered with less than five working days left), skips the earlier ones
  instead of sending them late. An extension gives a new due date, with stages of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.errors import ExtensionTooLong, ExtensionTooShort

ANSWER_DAYS = 30  # §15.4, §18.9; per-kind terms are settings, this is their default
# §15.4: "within 30 calendar days", §18.9: "no more than 30 days from registration". A company
# may promise less (for one kind or for all), never more.
MAX_ANSWER_DAYS = 30
MAX_EXTENSION_DAYS = 30  # 59-ФЗ ст. 12 ч. 2
# 59-ФЗ ст. 8 ч. 3 (forwarding outside the competence) and ст. 11 ч. 4 (telling that the
# text cannot be read): within 7 days of registration, on the due date's rules.
EARLY_DAYS = 7
# The early stage's warning comes on the 5th day after registration.
EARLY_WARNING_DAYS = 5
# 59-ФЗ ст. 8 ч. 2: a written appeal is registered within 3 days of its receipt.
REGISTRATION_DAYS = 3
END_OF_DAY = time(23, 59, 59)
# No real calendar has a year of days off; a calendar that does is broken.
_MAX_DAYS_OFF_IN_A_ROW = 366


def check_answer_term(days: int) -> int:
    """An answer term a company may set (§15.4, §18.9): 1 to 30 days; a ValueError says why."""
    if days < 1:
        raise ValueError("an answer term is at least 1 day")
    if days > MAX_ANSWER_DAYS:
        raise ValueError(
            f"{days} days is over the {MAX_ANSWER_DAYS} days of regulation §15.4 and §18.9; "
            f"a shorter term is allowed, a longer one is not"
        )
    return days


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


def forward_deadline(
    *, registered_at: datetime, calendar: WorkingCalendar, zone: ZoneInfo
) -> datetime:
    """The end of the 7-day term of 59-ФЗ ст. 8 ч. 3 and ст. 11 ч. 4 (forwarding, telling
    that the text is illegible), counted like the answer's due date."""
    return due_date(registered_at=registered_at, days=EARLY_DAYS, calendar=calendar, zone=zone)


def early_warning_due(
    *, registered_at: datetime, now: datetime, calendar: WorkingCalendar, zone: ZoneInfo
) -> bool:
    """From the 5th day after registration until the 7-day term ends: staff are warned that
    forwarding and the illegible-text notice are possible only until then."""
    started = local_date(now, zone) >= local_date(registered_at, zone) + timedelta(
        days=EARLY_WARNING_DAYS
    )
    ends = forward_deadline(registered_at=registered_at, calendar=calendar, zone=zone)
    return started and now <= ends


def registration_delay(*, received_at: datetime, registered_at: datetime, zone: ZoneInfo) -> int:
    """Calendar days from the receipt to the registration, in the company's zone."""
    return (local_date(registered_at, zone) - local_date(received_at, zone)).days


def registered_late(*, received_at: datetime, registered_at: datetime, zone: ZoneInfo) -> bool:
    """59-ФЗ ст. 8 ч. 2: more than 3 days between the receipt and the registration."""
    delay = registration_delay(received_at=received_at, registered_at=registered_at, zone=zone)
    return delay > REGISTRATION_DAYS


def days_left(due_at: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Calendar days from today to the due date in the company's zone: 0 on the due date,
    negative once it is missed (-1 the day after)."""
    return (local_date(due_at, zone) - local_date(now, zone)).days


def is_overdue(due_at: datetime, now: datetime) -> bool:
    _require_aware(now)
    return now > due_at


class WarningStage(StrEnum):
    """The warnings staff get about an appeal's deadline, in the order they come."""

    D5 = "d5"  # five working days before the due date
    D1 = "d1"  # the last working day before the due date
    OVERDUE = "overdue"  # the due date has passed without an answer


def warning_day(
    due_at: datetime, working_days_before: int, calendar: WorkingCalendar, zone: ZoneInfo
) -> date:
    """The `working_days_before`-th working day strictly before the local due date (1 = the
    last working day before it). See the module docstring for why working days."""
    if working_days_before < 1:
        raise ValueError("a warning comes at least one working day before the due date")
    day = local_date(due_at, zone)
    found = 0
    days_off_in_a_row = 0
    while True:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            found += 1
            if found == working_days_before:
                return day
            days_off_in_a_row = 0
        else:
            days_off_in_a_row += 1
            if days_off_in_a_row >= _MAX_DAYS_OFF_IN_A_ROW:
                raise ValueError("the calendar has no working day within a year")


def warning_days(
    due_at: datetime, calendar: WorkingCalendar, zone: ZoneInfo
) -> dict[WarningStage, date]:
    """The local day each stage is reached on: D-5 and D-1 (working days) and the overdue
    day, the calendar day after the due date."""
    return {
        WarningStage.D5: warning_day(due_at, 5, calendar, zone),
        WarningStage.D1: warning_day(due_at, 1, calendar, zone),
        WarningStage.OVERDUE: local_date(due_at, zone) + timedelta(days=1),
    }


def warning_stage(
    due_at: datetime, now: datetime, calendar: WorkingCalendar, zone: ZoneInfo
) -> WarningStage | None:
    """The most advanced stage reached at `now`, or None before D-5. Only the latest: a
    caller that finds D1 reached and D5 never sent skips D5 (see the module docstring)."""
    if is_overdue(due_at, now):
        return WarningStage.OVERDUE
    today = local_date(now, zone)
    if today >= warning_day(due_at, 1, calendar, zone):
        return WarningStage.D1
    if today >= warning_day(due_at, 5, calendar, zone):
        return WarningStage.D5
    return None


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of a local day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class StageBounds:
    """What a query needs to find the appeals at a warning stage at `now` without computing
    the stage of each (`warning_stage` is monotone in the due date; so is the early term in
    the registration date): an appeal has reached D-5 iff `due_at < d5_before`, D-1 iff
    `due_at < d1_before`, overdue iff `due_at < now`; the early warning is due iff
    `early_from <= registered_at < early_before`."""

    now: datetime
    d5_before: datetime
    d1_before: datetime
    early_from: datetime
    early_before: datetime


def _last_due_day_at(
    today: date, working_days_before: int, calendar: WorkingCalendar, zone: ZoneInfo
) -> date:
    """The latest local due date whose D-n day is `today` or earlier."""
    day = today + timedelta(days=1)  # its D-n is before it, so at most today
    for _ in range(_MAX_DAYS_OFF_IN_A_ROW + 7 * working_days_before):
        following = day + timedelta(days=1)
        moment = end_of_day(following, zone)
        if warning_day(moment, working_days_before, calendar, zone) > today:
            return day
        day = following
    raise ValueError("the calendar has no working day within a year")


def stage_bounds(now: datetime, calendar: WorkingCalendar, zone: ZoneInfo) -> StageBounds:
    """The bounds of `StageBounds` at `now`, on the company's calendar and zone."""
    today = local_date(now, zone)
    # The early warning: from the 5th day after registration until the 7-day term ends (the
    # end of the working day on or after the 7th day): registered on a day R with
    # R <= today - 5 and next_working_day(R + 7) >= today.
    latest = today - timedelta(days=EARLY_WARNING_DAYS)
    earliest = latest
    for _ in range(_MAX_DAYS_OFF_IN_A_ROW + EARLY_DAYS):
        before = earliest - timedelta(days=1)
        if next_working_day(before + timedelta(days=EARLY_DAYS), calendar) < today:
            break
        earliest = before
    return StageBounds(
        now=now,
        d5_before=start_of_day(
            _last_due_day_at(today, 5, calendar, zone) + timedelta(days=1), zone
        ),
        d1_before=start_of_day(
            _last_due_day_at(today, 1, calendar, zone) + timedelta(days=1), zone
        ),
        early_from=start_of_day(earliest, zone),
        early_before=start_of_day(latest + timedelta(days=1), zone),
    )


STAGE_RANK = {WarningStage.D5: 1, WarningStage.D1: 2, WarningStage.OVERDUE: 3}


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
