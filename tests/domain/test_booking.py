"""The office's hours, its slots on the production calendar, reminders, numbers, the day's CSV
(SPEC §6; regulation §11.1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.booking import (
    WEEKDAYS,
    Booking,
    BookingChannel,
    BookingId,
    BookingNameRequired,
    BookingStatus,
    BookingTopic,
    Interval,
    InvalidOfficeHours,
    OfficeHours,
    ReminderKind,
    Schedule,
    check_week_hours,
    clean_full_name,
    day_csv,
    format_booking_number,
    parse_office_hours,
    reminder_key,
    reminder_times,
)
from domain.deadlines import SetCalendar
from domain.errors import TooLong
from domain.ids import UserId
from storage.calendar import ProductionCalendar

MSK = ZoneInfo("Europe/Moscow")
DEFAULT = "mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48"
CALENDAR = ProductionCalendar()


def _local(moment: datetime) -> datetime:
    return moment.astimezone(MSK)


def _schedule(
    hours: str = DEFAULT,
    *,
    slot: int = 30,
    days_ahead: int = 10,
    calendar: ProductionCalendar | SetCalendar = CALENDAR,
) -> Schedule:
    return Schedule(
        hours=parse_office_hours(hours),
        slot=timedelta(minutes=slot),
        places=2,
        days_ahead=days_ahead,
        zone=MSK,
        calendar=calendar,
    )


def _times(starts: list[datetime]) -> list[str]:
    return [_local(s).strftime("%H:%M") for s in starts]


# -- office hours --------------------------------------------------------------------------


def test_the_default_hours_give_39_hours_45_minutes_a_week() -> None:
    hours = parse_office_hours(DEFAULT)
    # mon-thu: 9 h minus a 48-minute break; fri: 7 h 45 min minus the break.
    assert hours.week_minutes == 4 * (9 * 60 - 48) + (7 * 60 + 45 - 48)
    assert hours.open_ranges(0) == (Interval(480, 720), Interval(768, 1020))
    assert hours.open_ranges(4) == (Interval(480, 720), Interval(768, 945))
    assert hours.open_ranges(5) == () and hours.open_ranges(6) == ()
    check_week_hours(hours)


def test_days_ranges_lists_and_per_day_breaks() -> None:
    hours = parse_office_hours(
        " MON , wed - thu 9:00 - 13:00,14:00-18:00 ; sat 10:00-14:00;"
        " break 11:00-11:15; break sat 12:00-12:30;"
    )
    assert hours.opening[0] == (Interval(540, 780), Interval(840, 1080))
    assert hours.opening[1] == ()
    assert hours.opening[2] == hours.opening[3] == hours.opening[0]
    # The common break applies where a day has none of its own; Saturday has its own.
    assert hours.breaks[0] == (Interval(660, 675),)
    assert hours.breaks[5] == (Interval(720, 750),)
    assert hours.open_ranges(5) == (Interval(600, 720), Interval(750, 840))


def test_a_day_named_twice_adds_its_ranges() -> None:
    hours = parse_office_hours("mon-fri 08:00-12:00; mon 13:00-17:00")
    assert hours.opening[0] == (Interval(480, 720), Interval(780, 1020))
    assert hours.opening[1] == (Interval(480, 720),)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mon-thu 8-17", "'8' is not a time HH:MM"),
        ("mon-thu 08:00-07:00", "ends before it starts"),
        ("mon-thu 08:00-25:00", "not a time of day"),
        ("mon-thu 08:00-08:60", "not a time of day"),
        ("thu-mon 08:00-17:00", "runs backwards"),
        ("monday 08:00-17:00", "is not a day"),
        ("08:00-17:00", "expected days and times"),
        ("mon 08:00-12:00; mon 11:00-17:00", "mon: opening ranges overlap"),
        ("mon-fri 08:00", "expected a range"),
    ],
)
def test_unreadable_hours_are_refused_naming_the_entry(text: str, says: str) -> None:
    with pytest.raises(InvalidOfficeHours, match=says):
        parse_office_hours(text)


def test_fewer_than_25_hours_a_week_are_refused() -> None:
    """§11.1: reception at least 25 hours a week; exactly 25 is enough."""
    check_week_hours(parse_office_hours("mon-fri 09:00-14:00"))
    with pytest.raises(InvalidOfficeHours, match=r"24 h 59 min a week; regulation §11.1"):
        check_week_hours(parse_office_hours("mon-fri 09:00-14:00; break fri 13:59-14:00"))
    with pytest.raises(InvalidOfficeHours, match="at least 25"):
        check_week_hours(parse_office_hours("mon-fri 09:00-14:00; break 12:00-13:00"))


# -- slots ---------------------------------------------------------------------------------


def test_a_day_is_cut_into_slots_on_a_grid_around_the_break() -> None:
    schedule = _schedule()
    tuesday = _times(schedule.day_slots(date(2026, 11, 24)))
    assert tuesday == [
        "08:00",
        "08:30",
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "13:00",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
    ]
    # Friday closes at 15:45: the last whole slot starts at 15:00.
    assert _times(schedule.day_slots(date(2026, 11, 27)))[-1] == "15:00"
    # 45-minute slots from 08:00: 11:00-11:45 fits before the break, 11:45 and 12:30 overlap
    # it, 13:15 is the first after it.
    assert _times(_schedule(slot=45).day_slots(date(2026, 11, 24)))[3:8] == [
        "10:15",
        "11:00",
        "13:15",
        "14:00",
        "14:45",
    ]


def test_days_off_have_no_slots() -> None:
    schedule = _schedule()
    assert schedule.day_slots(date(2026, 11, 4)) == []  # Unity Day, a Wednesday
    assert schedule.day_slots(date(2026, 11, 28)) == []  # a Saturday
    assert schedule.day_slots(date(2026, 12, 31)) == []  # a decree day off, a Thursday


def test_a_working_saturday_has_slots_only_if_the_hours_name_saturday() -> None:
    """2027-02-20 is a Saturday the decree made a working day."""
    assert not CALENDAR.is_working_day(date(2027, 2, 27))
    assert CALENDAR.is_working_day(date(2027, 2, 20))
    assert _schedule().day_slots(date(2027, 2, 20)) == []
    with_saturday = _schedule(DEFAULT + "; sat 10:00-14:00")
    assert _times(with_saturday.day_slots(date(2027, 2, 20)))[0] == "10:00"
    assert with_saturday.day_slots(date(2027, 2, 27)) == []


def test_overrides_of_the_calendar_close_and_open_days() -> None:
    calendar = ProductionCalendar(
        extra_days_off=[date(2026, 11, 25)], extra_working_days=[date(2026, 11, 26)]
    )
    schedule = _schedule(calendar=calendar)
    assert schedule.day_slots(date(2026, 11, 25)) == []
    assert schedule.day_slots(date(2026, 11, 26)) != []


def test_slots_start_at_least_30_minutes_from_now() -> None:
    schedule = _schedule()
    tuesday = date(2026, 11, 24)
    at_ten = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert _times(schedule.bookable_slots(tuesday, at_ten))[0] == "10:30"
    just_after = at_ten + timedelta(minutes=1)
    assert _times(schedule.bookable_slots(tuesday, just_after))[0] == "11:00"
    assert schedule.is_offered(at_ten + timedelta(minutes=30), at_ten)
    assert not schedule.is_offered(at_ten, at_ten)
    assert not schedule.is_offered(at_ten + timedelta(minutes=15), at_ten)  # not on the grid


def test_the_next_ten_working_days_from_today() -> None:
    now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tuesday 10:00
    days = _schedule().offered_days(now)
    assert [d.isoformat() for d in days] == [
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
        "2026-12-07",
    ]
    evening = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 17:00, closed: today is not offered
    assert _schedule(days_ahead=2).offered_days(evening) == [
        date(2026, 11, 25),
        date(2026, 11, 26),
    ]
    # A slot beyond the offered days is not offered, however free.
    beyond = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    assert not _schedule().is_offered(beyond, now)
    assert _schedule(days_ahead=11).is_offered(beyond, now)


def test_across_the_new_year_holidays() -> None:
    now = datetime(2026, 12, 29, 15, 0, tzinfo=UTC)  # Tuesday 18:00, after closing
    assert _schedule(days_ahead=3).offered_days(now) == [
        date(2026, 12, 30),
        date(2027, 1, 11),
        date(2027, 1, 12),
    ]


def test_across_the_may_holidays() -> None:
    now = datetime(2027, 4, 30, 11, 0, tzinfo=UTC)  # Friday 14:00
    schedule = _schedule(days_ahead=6)
    assert schedule.offered_days(now) == [
        date(2027, 4, 30),
        date(2027, 5, 4),
        date(2027, 5, 5),
        date(2027, 5, 6),
        date(2027, 5, 7),
        date(2027, 5, 11),
    ]
    assert _times(schedule.bookable_slots(date(2027, 4, 30), now)) == ["14:30", "15:00"]


def test_a_schedule_works_in_the_zone_it_is_given() -> None:
    """Times are the zone's local times whatever the zone (the UTC offset differs)."""
    vladivostok = ZoneInfo("Asia/Vladivostok")
    schedule = Schedule(
        hours=parse_office_hours(DEFAULT),
        slot=timedelta(minutes=30),
        places=1,
        days_ahead=1,
        zone=vladivostok,
        calendar=CALENDAR,
    )
    first = schedule.day_slots(date(2026, 11, 24))[0]
    assert first == datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 08:00 at UTC+10


# -- property-based: whatever the hours, every slot is inside them ---------------------------

_minute = st.integers(min_value=0, max_value=24 * 60 - 1)


@st.composite
def _office_hours(draw: st.DrawFn) -> str:
    entries = []
    for day in WEEKDAYS:
        bounds = sorted(draw(st.sets(st.integers(0, 24 * 60), max_size=4)))
        pairs = list(zip(bounds[::2], bounds[1::2], strict=False))
        if pairs:
            ranges = ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in pairs if a < b)
            if ranges:
                entries.append(f"{day} {ranges}")
        if draw(st.booleans()):
            start = draw(_minute)
            end = draw(st.integers(start + 1, 24 * 60))
            entries.append(f"break {day} {_hhmm(start)}-{_hhmm(end)}")
    if not entries:
        entries.append("mon 08:00-09:00")
    if draw(st.booleans()):
        start = draw(_minute)
        entries.append(f"break {_hhmm(start)}-{_hhmm(min(start + 48, 24 * 60))}")
    return "; ".join(entries)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minute_of(moment: datetime) -> int:
    local = _local(moment)
    return local.hour * 60 + local.minute


def _brute_week_minutes(hours: OfficeHours) -> int:
    total = 0
    for day in range(7):
        for minute in range(24 * 60):
            inside = any(r.start <= minute < r.end for r in hours.opening[day])
            resting = any(b.start <= minute < b.end for b in hours.breaks[day])
            total += inside and not resting
    return total


@settings(max_examples=60, deadline=None)
@given(
    text=_office_hours(),
    slot=st.integers(min_value=5, max_value=120),
    days_ahead=st.integers(min_value=1, max_value=12),
    now=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
        max_value=datetime(2027, 12, 20),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_every_offered_slot_lies_within_the_hours_outside_breaks_on_a_working_day(
    text: str, slot: int, days_ahead: int, now: datetime
) -> None:
    hours = parse_office_hours(text)
    assert hours.week_minutes == _brute_week_minutes(hours)
    schedule = Schedule(
        hours=hours,
        slot=timedelta(minutes=slot),
        places=1,
        days_ahead=days_ahead,
        zone=MSK,
        calendar=CALENDAR,
    )
    days = schedule.offered_days(now)
    assert len(days) <= days_ahead
    assert days == sorted(set(days))
    today = _local(now).date()
    for day in days:
        assert day >= today and CALENDAR.is_working_day(day)
        starts = schedule.bookable_slots(day, now)
        assert starts, "an offered day has a slot"
        for start in starts:
            assert start >= now + timedelta(minutes=30)
            assert _local(start).date() == day
            begin = _minute_of(start)
            end = begin + slot
            weekday = day.weekday()
            assert any(r.start <= begin and end <= r.end for r in hours.opening[weekday])
            assert not any(begin < b.end and b.start < end for b in hours.breaks[weekday])
            assert schedule.is_offered(start, now)
    # No day with a bookable slot is skipped between today and the last offered day.
    if days:
        day = today
        while day < days[-1]:
            assert (day in days) == bool(schedule.bookable_slots(day, now))
            day += timedelta(days=1)


# -- reminders, numbers, names, CSV ----------------------------------------------------------


def test_reminders_come_the_evening_before_and_two_hours_before() -> None:
    thursday_10 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    booked = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert reminder_times(thursday_10, booked_at=booked, zone=MSK) == {
        ReminderKind.DAY_BEFORE: datetime(2026, 11, 25, 15, 0, tzinfo=UTC),  # 18:00 local
        ReminderKind.HOURS_BEFORE: datetime(2026, 11, 26, 5, 0, tzinfo=UTC),  # 08:00 local
    }
    # Booked at 17:30 the day before: no reminder half an hour later, the 2-hour one stays.
    late = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    assert set(reminder_times(thursday_10, booked_at=late, zone=MSK)) == {
        ReminderKind.HOURS_BEFORE
    }
    # Booked on the morning itself at 07:30: the 08:00 one is too close, none at all.
    morning = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)
    assert reminder_times(thursday_10, booked_at=morning, zone=MSK) == {}
    # A Monday visit is reminded of on Sunday evening, not on Friday.
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert reminder_times(monday, booked_at=booked, zone=MSK)[ReminderKind.DAY_BEFORE] == (
        datetime.combine(date(2026, 11, 29), time(18, 0), tzinfo=MSK)
    )


def test_reminder_keys_are_per_booking_and_kind() -> None:
    assert reminder_key(45, ReminderKind.DAY_BEFORE) == "booking:45:d1"
    assert reminder_key(45, ReminderKind.HOURS_BEFORE) == "booking:45:h2"


def test_booking_numbers_are_readable() -> None:
    assert format_booking_number("З", 2026, 45) == "З-2026-000045"
    assert format_booking_number("з", 2027, 1_234_567) == "З-2027-1234567"
    with pytest.raises(ValueError, match="ids start at 1"):
        format_booking_number("З", 2026, 0)


def test_a_name_has_letters_and_no_digits() -> None:
    assert clean_full_name("  Иванова   Мария ") == "Иванова Мария"
    for bad in ("", "И", "12345", "Иванова 2"):
        with pytest.raises(BookingNameRequired):
            clean_full_name(bad)
    # Too long for the registry: told with the limit (domain/limits.py).
    assert clean_full_name("Я" * 200) == "Я" * 200
    with pytest.raises(TooLong) as too_long:
        clean_full_name("Я" * 201)
    assert too_long.value.limit == 200


def _booking(booking_id: int, starts_at: datetime, name: str, phone: str) -> Booking:
    return Booking(
        id=BookingId(booking_id),
        number=format_booking_number("З", 2026, booking_id),
        starts_at=starts_at,
        topic=BookingTopic.CONTRACTS,
        status=BookingStatus.ACTIVE,
        user_id=UserId(1),
        full_name=name,
        phone=phone,
        channel=BookingChannel.BOT,
        created_at=starts_at - timedelta(days=1),
    )


def test_the_days_csv_is_by_time_and_keeps_formulas_as_text() -> None:
    ten = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    text = day_csv(
        [
            _booking(2, ten, "=HYPERLINK(x)", "+79200000002"),
            _booking(1, ten - timedelta(hours=1), "Иванова, Мария", "+79200000001"),
        ],
        zone=MSK,
    )
    assert text.splitlines() == [
        "time,number,topic,full_name,phone,channel",
        '09:00,З-2026-000001,contracts,"Иванова, Мария",+79200000001,bot',
        "10:00,З-2026-000002,contracts,'=HYPERLINK(x),+79200000002,bot",
    ]
