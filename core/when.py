"""The typed past date or time of every dialog and staff command (domain/when.py), with the
words it leaves («2 декабря», «в понедельник», «3 часа назад») read by dateparser in the
Russian locale, and what the person is shown back («02.12.2026, 18:00–21:00»)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from domain.when import DAY_PARTS, Precision, When, read_day, read_when

if TYPE_CHECKING:
    from core.texts import Texts

_TIME_PERIOD = "time"


def read_words(text: str, base: datetime) -> tuple[datetime, bool] | None:
    """dateparser's reading of `text` relative to `base` (local, naive): the moment and
    whether it has a time of day («3 часа назад») or is a day («2 декабря»); a weekday or a
    month without a year is the latest past one."""
    return _read_words(text, base, prefer="past")


def read_words_ahead(text: str, base: datetime) -> tuple[datetime, bool] | None:
    """As `read_words`, a weekday being the coming one («пятница» for /day)."""
    return _read_words(text, base, prefer="future")


def _read_words(text: str, base: datetime, *, prefer: str) -> tuple[datetime, bool] | None:
    from dateparser.date import DateDataParser

    # Imported when a date is first typed, not at start: with its language data it adds
    # seconds to a start on a busy machine (a restart must answer quickly, tests/e2e).
    parser = DateDataParser(
        languages=["ru"],
        settings={
            "PREFER_DATES_FROM": prefer,
            "DATE_ORDER": "DMY",
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_TIME_AS_PERIOD": True,
            "RELATIVE_BASE": base,
        },
    )
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    return data.date_obj.replace(tzinfo=None), data.period == _TIME_PERIOD


def parse_when(text: str, *, now: datetime, zone: tzinfo) -> When:
    """`domain.when.read_when` with dateparser for the words: a When or a DomainError."""
    return read_when(text, now=now, zone=zone, words=read_words)


def parse_day(text: str, *, now: datetime, zone: tzinfo) -> date:
    """`domain.when.read_day` with dateparser for the words: a day or a DomainError."""
    return read_day(text, now=now, zone=zone, words=read_words_ahead)


def _hm(moment: datetime, start: datetime) -> str:
    """A range's end as a time; the midnight ending a day is 24:00."""
    midnight = moment.hour == 0 and moment.minute == 0 and moment.date() > start.date()
    if midnight and moment - start <= timedelta(days=1):
        return "24:00"
    return moment.strftime("%H:%M")


def describe(when: When, texts: Texts, zone: tzinfo) -> str:
    """What was understood, the way the person reads it back: «02.12.2026»,
    «02.12.2026, 18:30», «02.12.2026, 18:00–21:00», «03.12.2026, вечер (18:00–24:00)»."""
    start = when.start.astimezone(zone)
    day = start.strftime("%d.%m.%Y")
    if when.precision is Precision.DAY:
        return day
    if when.precision is Precision.MOMENT or when.end is None:
        return f"{day}, {start:%H:%M}"
    end = when.end.astimezone(zone)
    if when.precision is Precision.PART and when.part is not None:
        first, last = DAY_PARTS[when.part]
        name = texts.plain(f"when-part-{when.part.value}")
        return f"{day}, {name} ({first:02d}:00–{last:02d}:00)"
    if end.date() == start.date() or _hm(end, start) == "24:00":
        return f"{day}, {start:%H:%M}–{_hm(end, start)}"
    return f"{day} {start:%H:%M} – {end:%d.%m.%Y %H:%M}"


def span_text(start: datetime, end: datetime | None, zone: tzinfo) -> str:
    """A stored moment or range as a line of a summary or a staff card: «02.12.2026 18:30»,
    «02.12.2026» (a whole day), «02.12.2026 18:00–21:00»."""
    first = start.astimezone(zone)
    if end is None:
        return first.strftime("%d.%m.%Y %H:%M")
    last = end.astimezone(zone)
    if first.hour == first.minute == 0 and last - first == timedelta(days=1):
        return first.strftime("%d.%m.%Y")
    if last.date() == first.date() or _hm(last, first) == "24:00":
        return f"{first:%d.%m.%Y %H:%M}–{_hm(last, first)}"
    return f"{first:%d.%m.%Y %H:%M} – {last:%d.%m.%Y %H:%M}"
