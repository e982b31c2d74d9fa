"""How booking things read: times in the company's zone, the office hours, the day's list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from zoneinfo import ZoneInfo

from core.texts import Texts
from domain.booking import (
    WEEKDAYS,
    Booking,
    Interval,
    OfficeHours,
    ReminderKind,
    day_csv,
    reminder_times,
)
from notifier.booking_reminders import weekday as weekday
from notifier.booking_reminders import when as when

# Pieces are formatted plain: they go into a message as arguments (escaped once, there) or
# into button labels (never parsed as HTML).


def day_label(texts: Texts, day: date) -> str:
    return texts.plain(
        "booking-day-button", weekday=weekday(texts, day), date=day.strftime("%d.%m")
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _ranges(ranges: Sequence[Interval]) -> str:
    return ", ".join(f"{_clock(r.start)}–{_clock(r.end)}" for r in ranges)


def hours_text(texts: Texts, hours: OfficeHours) -> str:
    """`пн–чт 08:00–17:00 (перерыв 12:00–12:48), пт 08:00–15:45 (перерыв 12:00–12:48)`:
    consecutive days with the same hours are shown as one range."""
    groups: list[tuple[int, int, tuple[Interval, ...], tuple[Interval, ...]]] = []
    for day in range(len(WEEKDAYS)):
        opening = hours.opening[day]
        if not opening:
            continue
        breaks = tuple(b for b in hours.breaks[day] if any(b.overlaps(o) for o in opening))
        if groups and groups[-1][1] == day - 1 and groups[-1][2:] == (opening, breaks):
            first, _, _, _ = groups[-1]
            groups[-1] = (first, day, opening, breaks)
        else:
            groups.append((day, day, opening, breaks))
    parts = []
    for first, last, opening, breaks in groups:
        name = texts.plain(f"booking-weekday-{WEEKDAYS[first]}")
        if last != first:
            name += "–" + texts.plain(f"booking-weekday-{WEEKDAYS[last]}")
        if breaks:
            parts.append(
                texts.plain(
                    "booking-hours-day-with-break",
                    days=name,
                    ranges=_ranges(opening),
                    breaks=_ranges(breaks),
                )
            )
        else:
            parts.append(texts.plain("booking-hours-day", days=name, ranges=_ranges(opening)))
    return ", ".join(parts)


def day_text(
    texts: Texts, day: date, bookings: Sequence[Booking], zone: ZoneInfo, *, plain: bool = False
) -> str:
    """The day's list for staff: the staff chat (HTML, `plain=False`) or a terminal."""
    say: Callable[..., str] = texts.plain if plain else texts.get
    shown = day.strftime("%d.%m.%Y")
    if not bookings:
        return say("booking-day-empty", date=shown)
    lines = [
        say(
            "booking-day-title",
            date=shown,
            weekday=texts.plain(f"booking-weekday-{WEEKDAYS[day.weekday()]}"),
            count=len(bookings),
        )
    ]
    for booking in sorted(bookings, key=lambda b: (b.starts_at, b.id or 0)):
        lines.append(
            say(
                "booking-day-line",
                time=booking.starts_at.astimezone(zone).strftime("%H:%M"),
                number=booking.number or "",
                name=booking.full_name,
                phone=booking.phone,
                topic=texts.plain(f"booking-topic-{booking.topic.value}"),
                channel=texts.plain(f"booking-channel-{booking.channel.value}"),
            )
        )
    return "\n".join(lines)


def day_csv_text(texts: Texts, bookings: Sequence[Booking], zone: ZoneInfo) -> str:
    """The day's list as CSV with the locale's column names, for a spreadsheet."""
    return day_csv(
        bookings,
        zone=zone,
        header=texts.plain("booking-csv-header").split(","),
        topic_name=lambda topic: texts.plain(f"booking-topic-{topic.value}"),
        channel_name=lambda channel: texts.plain(f"booking-channel-{channel.value}"),
    )


def reminders_text(texts: Texts, booking: Booking, zone: ZoneInfo) -> str:
    """The reminders the confirmation promises: only those that will really be sent
    (notifier/booking_reminders.py queues the same `reminder_times`); none for a visit too
    soon after booking, which is said."""
    kinds = set(reminder_times(booking.starts_at, booked_at=booking.created_at, zone=zone))
    if booking.user_id is None or not kinds:
        what = "none"
    elif len(kinds) == len(ReminderKind):
        what = "both"
    else:
        [only] = kinds
        what = only.value
    return texts.get("booking-reminders", what=what)


def address_text(texts: Texts, office_address: str) -> str:
    return office_address or texts.plain("booking-address-unknown")
