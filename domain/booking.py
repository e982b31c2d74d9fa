"""Appointment booking at the service office (SPEC §6; regulation §11.1, §11.2, §14.13): the
office's weekly hours, the slots they give on the company's calendar, the booking itself and
its reminders, as data and pure functions. Time comes in as `now`; nothing here reads a clock.

The choices, written down once:
- Office hours (the OFFICE_HOURS setting) are entries separated by ";":
    `<days> <HH:MM-HH:MM>[,<HH:MM-HH:MM>...]`   opening ranges, e.g. `mon-thu 08:00-17:00`
    `break <HH:MM-HH:MM>[,...]`                  a break on every day without a break of its own
    `break <days> <HH:MM-HH:MM>[,...]`           a break of those days only (replaces the above)
  Days are `mon tue wed thu fri sat sun`, a range `mon-thu` or a list `mon,wed,fri-sat`; a day
  may appear in several entries (its ranges add up, they must not overlap). Case and spaces
  do not matter. Default: `mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48`.
- §11.1: the office is open at least 25 hours in a regular week (opening minus breaks);
  `check_week_hours` refuses less, and the settings run it at start.
- A day has slots when the production calendar says it is a working day AND the hours give
  its weekday an opening range. So a public holiday on a Monday has none, and a Saturday the
  decree made a working day has none unless the hours name `sat` (the office keeps its own
  week; CALENDAR_EXTRA_WORKING_DAYS opens a day the calendar closes).
- Slots lie on a grid of `slot` minutes from the start of each opening range; a slot is
  offered only if it ends by the range's end and overlaps no break (08:00, 08:30 … 11:30,
  13:00 … with a 12:00-12:48 break: round times, the 12 minutes after the break unused).
- Offered days: the first `days_ahead` working days, from today (company zone) on, that still
  have a slot starting at least `lead` (30 minutes) from now. A slot starting sooner than
  that, or in the past, is never offered.
- Times are stored in UTC and computed in the company's zone with zoneinfo (Europe/Moscow
  has no DST; in a zone with DST a local time that does not exist shifts as zoneinfo says).
- Reminders: the day before at 18:00 local (`d1`) and two hours before (`h2`), each queued
  only if it comes at least an hour after the booking was made (someone booking at 17:30 for
  tomorrow morning needs no reminder at 18:00; someone booking at 8:30 for 10:00 needs none
  at 8:00).
- Booking numbers: `З-2026-000045` — a prefix (locale file), the local year of booking, and
  the booking's database id: unique without a sequence of its own (not gap-free: a move makes
  a new booking with a new number, and ids run on across years).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import NewType
from zoneinfo import ZoneInfo

from domain.deadlines import WorkingCalendar, local_date
from domain.errors import DomainError
from domain.ids import UserId
from domain.limits import ROW_ID_MAX, Field, check_length, parse_bounded_int
from domain.spreadsheet import csv_writer

BookingId = NewType("BookingId", int)
"""The database id of a booking."""

MIN_WEEK_HOURS = 25  # §11.1
LEAD_TIME = timedelta(minutes=30)  # a slot starting sooner is not offered
DAY_BEFORE_AT = time(18, 0)  # local time of the reminder the day before
HOURS_BEFORE = timedelta(hours=2)  # the second reminder
REMINDER_MIN_NOTICE = timedelta(hours=1)  # a reminder sooner than this after booking is skipped
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MINUTES_A_DAY = 24 * 60
# No real calendar has a year of days off; a calendar that does is broken.
_MAX_DAYS_SCANNED = 366


class BookingTopic(StrEnum):
    GRID_CONNECTION = "grid_connection"  # технологическое присоединение
    CONTRACTS = "contracts"  # договоры
    METERING = "metering"  # приборы учёта
    OTHER = "other"


class BookingStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    MOVED = "moved"  # replaced by a new booking at another time


class BookingChannel(StrEnum):
    """How the booking was made: by the person in the bot, or by staff for a caller (§14.13)."""

    BOT = "bot"
    PHONE = "phone"
    IN_PERSON = "in_person"


class ReminderKind(StrEnum):
    DAY_BEFORE = "d1"
    HOURS_BEFORE = "h2"


class MoveOutcome(StrEnum):
    MOVED = "moved"
    FULL = "full"  # the new slot has no place left: nothing changed
    GONE = "gone"  # the booking was no longer active: nothing changed


# -- errors ----------------------------------------------------------------------------------


class InvalidOfficeHours(ValueError):
    """The OFFICE_HOURS setting cannot be read, or gives less than §11.1 requires."""


class SlotTaken(DomainError):
    """The last place of the slot went to someone else while the person was choosing."""

    text_key = "booking-error-slot-taken"

    def __init__(self, starts_at: datetime, options: Sequence[datetime]) -> None:
        super().__init__("the slot has no place left")
        self.starts_at = starts_at
        self.options = tuple(options)


class SlotNotOffered(DomainError):
    """Not a slot of the schedule, in the past, too soon, or beyond the days offered."""

    text_key = "booking-error-slot-not-offered"

    def __init__(self, starts_at: datetime, options: Sequence[datetime] = ()) -> None:
        super().__init__("the time is not offered for booking")
        self.starts_at = starts_at
        self.options = tuple(options)


class TooManyActiveBookings(DomainError):
    text_key = "booking-error-too-many"

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} active bookings")
        self.limit = limit


class AlreadyBookedAtThisTime(DomainError):
    text_key = "booking-error-already-booked"


class BookingNotFound(DomainError):
    """No such booking among the person's own: another person's booking is never shown."""

    text_key = "booking-error-not-found"


class BookingNotActive(DomainError):
    """Cancelled, moved, or its time has come: it can be neither cancelled nor moved."""

    text_key = "booking-error-not-active"


class BookingNameRequired(DomainError):
    text_key = "booking-error-name"


# -- office hours ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """Minutes from local midnight, `start` inclusive, `end` exclusive."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


def _subtract(ranges: Iterable[Interval], cuts: Iterable[Interval]) -> tuple[Interval, ...]:
    pieces = sorted(ranges)
    for cut in sorted(cuts):
        kept: list[Interval] = []
        for piece in pieces:
            if not piece.overlaps(cut):
                kept.append(piece)
                continue
            if piece.start < cut.start:
                kept.append(Interval(piece.start, cut.start))
            if cut.end < piece.end:
                kept.append(Interval(cut.end, piece.end))
        pieces = kept
    return tuple(pieces)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Per weekday (0 = Monday): the opening ranges and the breaks within them."""

    opening: tuple[tuple[Interval, ...], ...]
    breaks: tuple[tuple[Interval, ...], ...]

    def open_ranges(self, weekday: int) -> tuple[Interval, ...]:
        """The opening ranges with the breaks cut out: when people are actually received."""
        return _subtract(self.opening[weekday], self.breaks[weekday])

    @property
    def week_minutes(self) -> int:
        return sum(r.minutes for day in range(7) for r in self.open_ranges(day))


_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_EXAMPLE = "mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48"


def _minutes(text: str, entry: str) -> int:
    match = _TIME_RE.match(text)
    if match is None:
        raise InvalidOfficeHours(f"{entry!r}: {text!r} is not a time HH:MM")
    hours, minutes = int(match.group(1)), int(match.group(2))
    value = hours * 60 + minutes
    if minutes >= 60 or value > _MINUTES_A_DAY:
        raise InvalidOfficeHours(f"{entry!r}: {text!r} is not a time of day")
    return value


def _ranges(text: str, entry: str) -> list[Interval]:
    result = []
    for part in filter(None, text.split(",")):
        start, dash, end = part.partition("-")
        if not dash:
            raise InvalidOfficeHours(f"{entry!r}: expected a range HH:MM-HH:MM, not {part!r}")
        interval = Interval(_minutes(start, entry), _minutes(end, entry))
        if interval.start >= interval.end:
            raise InvalidOfficeHours(f"{entry!r}: {part!r} ends before it starts")
        result.append(interval)
    if not result:
        raise InvalidOfficeHours(f"{entry!r}: no time range")
    return result


def _days(text: str, entry: str) -> list[int]:
    result: list[int] = []
    for part in filter(None, text.split(",")):
        first, dash, last = part.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            raise InvalidOfficeHours(
                f"{entry!r}: {part!r} is not a day or a range of days ({' '.join(WEEKDAYS)})"
            )
        start = WEEKDAYS.index(first)
        end = WEEKDAYS.index(last) if dash else start
        if end < start:
            raise InvalidOfficeHours(f"{entry!r}: {part!r} runs backwards; write mon-fri")
        result.extend(range(start, end + 1))
    if not result:
        raise InvalidOfficeHours(f"{entry!r}: no days")
    return result


def parse_office_hours(text: str) -> OfficeHours:
    """Read the OFFICE_HOURS format (see the module docstring); InvalidOfficeHours names the
    entry that is wrong."""
    opening: list[list[Interval]] = [[] for _ in WEEKDAYS]
    common_breaks: list[Interval] = []
    own_breaks: dict[int, list[Interval]] = {}
    for raw in text.split(";"):
        # "mon - thu 8:00 - 17:00 , 18:00-19:00" → "mon-thu 8:00-17:00,18:00-19:00"
        entry = re.sub(r"\s*([,-])\s*", r"\1", " ".join(raw.split()).lower())
        if not entry:
            continue
        words = entry.split(" ")
        is_break = words[0] == "break"
        if is_break:
            words = words[1:]
        if is_break and len(words) == 1:
            common_breaks.extend(_ranges(words[0], entry))
            continue
        if len(words) != 2:
            raise InvalidOfficeHours(f"{entry!r}: expected days and times, such as {_EXAMPLE!r}")
        days, ranges = _days(words[0], entry), _ranges(words[1], entry)
        for day in days:
            if is_break:
                own_breaks.setdefault(day, []).extend(ranges)
            else:
                opening[day].extend(ranges)
    for day, ranges in enumerate(opening):
        ordered = sorted(ranges)
        for earlier, later in pairwise(ordered):
            if earlier.overlaps(later):
                raise InvalidOfficeHours(f"{WEEKDAYS[day]}: opening ranges overlap")
    return OfficeHours(
        opening=tuple(tuple(sorted(ranges)) for ranges in opening),
        breaks=tuple(
            tuple(sorted(own_breaks.get(day, common_breaks))) for day in range(len(WEEKDAYS))
        ),
    )


def check_week_hours(hours: OfficeHours) -> None:
    """§11.1: at least 25 hours of reception a week."""
    minutes = hours.week_minutes
    if minutes < MIN_WEEK_HOURS * 60:
        shown = f"{minutes // 60} h {minutes % 60:02d} min"
        raise InvalidOfficeHours(
            f"the office would receive people {shown} a week; regulation §11.1 requires "
            f"at least {MIN_WEEK_HOURS} (e.g. {_EXAMPLE})"
        )


# -- slots -----------------------------------------------------------------------------------


def _at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Schedule:
    """The office's hours on the company's calendar, cut into slots of `places` places."""

    hours: OfficeHours
    slot: timedelta
    places: int
    days_ahead: int
    zone: ZoneInfo
    calendar: WorkingCalendar
    lead: timedelta = LEAD_TIME

    def __post_init__(self) -> None:
        if self.slot <= timedelta(0) or self.slot % timedelta(minutes=1):
            raise ValueError("a slot is a whole positive number of minutes")
        if self.places < 1 or self.days_ahead < 1:
            raise ValueError("at least one place and one day")

    @property
    def slot_minutes(self) -> int:
        return self.slot // timedelta(minutes=1)

    def day_slots(self, day: date) -> list[datetime]:
        """Every slot of a local day (UTC starts, in order); none on a day off."""
        if not self.calendar.is_working_day(day):
            return []
        weekday = day.weekday()
        length = self.slot_minutes
        breaks = self.hours.breaks[weekday]
        starts = []
        for opening in self.hours.opening[weekday]:
            start = opening.start
            while start + length <= opening.end:
                candidate = Interval(start, start + length)
                if not any(candidate.overlaps(cut) for cut in breaks):
                    starts.append(_at(day, start, self.zone))
                start += length
        return starts

    def bookable_slots(self, day: date, now: datetime) -> list[datetime]:
        earliest = now + self.lead
        return [start for start in self.day_slots(day) if start >= earliest]

    def offered_days(self, now: datetime) -> list[date]:
        """The first `days_ahead` days from today that still have a bookable slot."""
        day = local_date(now, self.zone)
        days: list[date] = []
        for _ in range(_MAX_DAYS_SCANNED + self.days_ahead):
            if self.bookable_slots(day, now):
                days.append(day)
                if len(days) == self.days_ahead:
                    break
            day += timedelta(days=1)
        return days

    def is_offered(self, starts_at: datetime, now: datetime) -> bool:
        day = local_date(starts_at, self.zone)
        return day in self.offered_days(now) and starts_at in self.bookable_slots(day, now)

    def ends_at(self, starts_at: datetime) -> datetime:
        return starts_at + self.slot


# -- bookings --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Booking:
    id: BookingId | None
    number: str | None
    starts_at: datetime
    topic: BookingTopic
    status: BookingStatus
    user_id: UserId | None
    full_name: str
    phone: str
    channel: BookingChannel
    created_at: datetime
    booked_by: int | None = None
    cancelled_at: datetime | None = None

    def is_upcoming(self, now: datetime) -> bool:
        """Active and not begun yet: it can still be cancelled or moved."""
        return self.status is BookingStatus.ACTIVE and self.starts_at > now


_PREFIX_RE = re.compile(r"^\w{1,8}$")


def format_booking_number(prefix: str, year: int, booking_id: int) -> str:
    """`З-2026-000045`: the prefix, the local year of booking, the id padded to six digits."""
    if not _PREFIX_RE.fullmatch(prefix):
        raise ValueError("the prefix is letters and digits")
    if booking_id < 1:
        raise ValueError("ids start at 1")
    return f"{prefix.upper()}-{year}-{booking_id:06d}"


def clean_full_name(raw: str) -> str:
    """Spaces squeezed; at least two letters, no digits; longer than the registry holds
    (domain/limits.py) is TooLong, with the limit."""
    name = " ".join(raw.split())
    letters = sum(ch.isalpha() for ch in name)
    if letters < 2 or any(ch.isdigit() for ch in name):
        raise BookingNameRequired("a name of letters is required")
    return check_length(Field.FULL_NAME, name)


# -- reminders -------------------------------------------------------------------------------


def reminder_key(booking_id: int, kind: ReminderKind) -> str:
    """The outbox de-duplication key of a reminder: queued once, dropped by its prefix."""
    return f"{reminder_prefix(booking_id)}{kind.value}"


def reminder_prefix(booking_id: int) -> str:
    return f"booking:{booking_id}:"


def reminder_times(
    starts_at: datetime, *, booked_at: datetime, zone: ZoneInfo
) -> dict[ReminderKind, datetime]:
    """When to remind (UTC), see the module docstring: the reminders still worth sending."""
    day_before = local_date(starts_at, zone) - timedelta(days=1)
    moments = {
        ReminderKind.DAY_BEFORE: datetime.combine(
            day_before, DAY_BEFORE_AT, tzinfo=zone
        ).astimezone(UTC),
        ReminderKind.HOURS_BEFORE: starts_at - HOURS_BEFORE,
    }
    return {kind: at for kind, at in moments.items() if at - booked_at >= REMINDER_MIN_NOTICE}


# -- the day's list for staff ----------------------------------------------------------------

CSV_COLUMNS = ("time", "number", "topic", "full_name", "phone", "channel")


def day_csv(
    bookings: Iterable[Booking],
    *,
    zone: ZoneInfo,
    header: Sequence[str] = CSV_COLUMNS,
    topic_name: Callable[[BookingTopic], str] = str,
    channel_name: Callable[[BookingChannel], str] = str,
) -> str:
    """A day's bookings as CSV, by time: the columns of CSV_COLUMNS, under `header` (the
    locale's names for people, the codes for machines)."""
    if len(header) != len(CSV_COLUMNS):
        raise ValueError(f"the header has {len(CSV_COLUMNS)} columns")
    out = io.StringIO()
    # Every cell is kept from being run as a formula (domain/spreadsheet.py).
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(header)
    for booking in sorted(bookings, key=lambda b: (b.starts_at, b.id or 0)):
        writer.writerow(
            (
                booking.starts_at.astimezone(zone).strftime("%H:%M"),
                booking.number or "",
                topic_name(booking.topic),
                booking.full_name,
                booking.phone,
                channel_name(booking.channel),
            )
        )
    return out.getvalue()


def booking_id_of(number: str) -> BookingId | None:
    """The booking id inside a number as `format_booking_number` writes it (its last part);
    None when the text is not shaped like one. The caller compares the whole number."""
    booking_id = parse_bounded_int(number.strip().rsplit("-", 1)[-1], low=1, high=ROW_ID_MAX)
    return BookingId(booking_id) if booking_id is not None else None
