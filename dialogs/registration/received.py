""" "When was it received" for /register, in everyday Russian: «сегодня», «вчера», «3 дня
назад», «01.12», «01.12.2026» (dateparser reads them; 59-ФЗ ст. 8 ч. 2 counts from it)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

# "01.12" is read as a day of a month (dateparser alone takes it for 01:12).
_DATE_FORMATS = ["%d.%m", "%d.%m.%Y", "%d.%m.%y"]
_NO_YEAR = re.compile(r"^\s*\d{1,2}[./]\d{1,2}\s*$")
# A letter read more than a year after it came is a typo, not a receipt.
_OLDEST = timedelta(days=366)
_TEXT_MAX = 40


def parse_received(text: str, *, now: datetime, zone: ZoneInfo) -> date | None:
    """The local day the appeal was received, or None for what is not a day, a day to come
    or a day over a year ago. A day and month without a year that lie ahead are last year's
    («31.12» typed on 2 January)."""
    clean = text.strip()[:_TEXT_MAX]
    if not clean:
        return None
    today = now.astimezone(zone).date()
    parsed = dateparser.parse(
        clean,
        languages=["ru"],
        date_formats=_DATE_FORMATS,
        settings={
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": datetime.combine(today, time(12)),
            "DATE_ORDER": "DMY",
            "PREFER_DAY_OF_MONTH": "first",
        },
    )
    if parsed is None:
        return None
    day = parsed.date()
    if day > today and _NO_YEAR.match(clean):
        try:
            day = day.replace(year=day.year - 1)
        except ValueError:  # 29.02 in a year without it
            return None
    if day > today or today - day > _OLDEST:
        return None
    return day


def received_moment(day: date, *, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The moment kept for a received day: None for today (received as registered), else
    the start of that local day."""
    if day == now.astimezone(zone).date():
        return None
    return datetime.combine(day, time(0), tzinfo=zone)
