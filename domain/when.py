"""When something happened, as people write it in Russian: «02.12 с 18:00 до 21:00»,
«вчера вечером», «сегодня в 7 утра», «2 декабря», «с утра нет света», «позавчера ночью»,
«в понедельник около 9», «3 часа назад», «02.12.2026 18:30», «2/12», «18:00».

The one reader of typed past dates and times (the ПП 55 «when did it happen», /register's
received day, staff commands). The rules here are pure: the numeric dates, the times, the
ranges and the parts of the day are read by this module; the words it does not know
(«2 декабря», «в понедельник», «3 часа назад») go to a `WordReader` (core/when.py, over
dateparser with the Russian locale).

The result is a moment or a range (`When`):

- a part of the day is the range of `DAY_PARTS`: утро 06–12, день 12–18, вечер 18–24,
  ночь 00–06 of the day named («вчера ночью» is the small hours of yesterday);
- a time with a part («7 утра», «9 вечера», «вчера вечером в 9») is read in that part
  (9 вечера is 21:00, 12 ночи is 00:00);
- without a day named, a time or a part of the day is the latest one already begun
  («23:00» typed at 01:00 is yesterday's 23:00, «вечером» typed at 15:00 is yesterday's);
- a day and a month without a year are this year's, last year's when that is still ahead
  («31.12» typed on 2 January);
- a range ending at or before its start runs past midnight («с 22 до 2»).

Refused (a `DomainError` with its text): what cannot be read at all (`WhenUnreadable`), a
start still to come (`WhenInFuture`: a past event cannot begin later than now), a start more
than `OLDEST_DAYS` ago (`WhenTooOld`: a year and a day covers any claim period the
regulation gives for these complaints and catches the typed wrong year).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import cache

from domain.errors import DomainError
from domain.word_files import read_word_file

OLDEST_DAYS = 366
TEXT_MAX = 80


class DayPart(StrEnum):
    MORNING = "morning"
    DAY = "day"
    EVENING = "evening"
    NIGHT = "night"


# The hours [start, end) of each part of the day; 24 is the next midnight.
DAY_PARTS: dict[DayPart, tuple[int, int]] = {
    DayPart.NIGHT: (0, 6),
    DayPart.MORNING: (6, 12),
    DayPart.DAY: (12, 18),
    DayPart.EVENING: (18, 24),
}


class Precision(StrEnum):
    """How much of the moment was said: a day, a part of a day, a time, or a time range."""

    DAY = "day"
    PART = "part"
    MOMENT = "moment"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class When:
    """A moment (`end` None) or a range [start, end), aware, in the reader's zone. `part` is
    the part of the day when one was named without a time."""

    start: datetime
    end: datetime | None
    precision: Precision
    part: DayPart | None = None


class WhenUnreadable(DomainError):
    text_key = "when-unreadable"


class WhenInFuture(DomainError):
    text_key = "when-future"


class WhenTooOld(DomainError):
    text_key = "when-too-old"

    @property
    def text_args(self) -> dict[str, int]:
        return {"days": OLDEST_DAYS}


# A reader of the words left (month names, weekdays, «N часов назад»): the moment they name
# and whether a time of day was in them, or None. `base` is the local now, naive.
WordReader = Callable[[str, datetime], tuple[datetime, bool] | None]

# Parsing ----------------------------------------------------------------------------------

WHEN_WORDS_FILE = "when_words_ru.txt"
_HM = r"(\d{1,2})(?:[:.](\d{2}))?"


def _any(name: str) -> str:
    """The words under `name` in domain/data/when_words_ru.txt as one group of alternatives."""
    return (
        "(?:" + "|".join(w for line in read_word_file(WHEN_WORDS_FILE)[name] for w in line) + ")"
    )


def _word(pattern: str) -> str:
    return rf"(?<![^\W\d_]){pattern}(?![^\W\d_])"


@dataclass(frozen=True, slots=True)
class _Patterns:
    date_num: re.Pattern[str]
    date_iso: re.Pattern[str]
    range: re.Pattern[str]
    time_colon: re.Pattern[str]
    time_part: re.Pattern[str]
    time_prep: re.Pattern[str]
    ago: re.Pattern[str]
    parts: tuple[tuple[re.Pattern[str], DayPart], ...]
    days: tuple[tuple[re.Pattern[str], int], ...]
    date_word: re.Pattern[str]
    suffixes: dict[str, DayPart]


@cache
def _patterns() -> _Patterns:
    suffixes = {
        _any(f"suffix_{name}")[3:-1]: part
        for name, part in (
            ("morning", DayPart.MORNING),
            ("day", DayPart.DAY),
            ("evening", DayPart.EVENING),
            ("night", DayPart.NIGHT),
        )
    }
    suffix = "(" + "|".join(suffixes) + ")"
    time = _HM + rf"(?:\s*{_any('hour_word')}(?![^\W\d_]))?(?:\s+{suffix})?"
    parts = (
        ("morning", DayPart.MORNING),
        ("day", DayPart.DAY),
        ("evening", DayPart.EVENING),
        ("night", DayPart.NIGHT),
    )
    return _Patterns(
        date_num=re.compile(
            r"(?<![\d:.])(0?[1-9]|[12]\d|3[01])[./](0?[1-9]|1[0-2])(?:[./](\d{4}|\d{2}))?(?![\d:])"
        ),
        date_iso=re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
        range=re.compile(
            rf"(?:{_word(_any('range_from'))}\s+{time}\s*(?:{_word(_any('range_to'))}|-)\s*{time}"
            rf"|(?<![\d.:/]){_HM}\s*-\s*{_HM}(?![\d.:/]))"
        ),
        time_colon=re.compile(rf"(?<![\d.:/])(\d{{1,2}})[:.](\d{{2}})(?:\s+{suffix})?"),
        time_part=re.compile(
            rf"(?<![\d.:/])(\d{{1,2}})(?:[.](\d{{2}}))?\s*(?:{_any('hour_word')}\s+)?{suffix}"
        ),
        time_prep=re.compile(
            rf"{_word(_any('time_prep'))}\s+{time}(?![\d.:/])(?!\s*{_any('month')})"
        ),
        ago=re.compile(
            rf"(?:(?:\d+|{_any('ago_count')})\s+)?{_any('ago_unit')}\s+{_word(_any('ago'))}"
        ),
        parts=tuple((re.compile(_word(_any(f"part_{name}"))), part) for name, part in parts),
        days=tuple((re.compile(_word(_any(f"days_{back}"))), back) for back in (0, 1, 2)),
        date_word=re.compile(rf"^(?:\d{{1,4}}|{_any('date_word')})$"),
        suffixes=suffixes,
    )


@dataclass(slots=True)
class _Found:
    day: date | None = None
    day_named: bool = False  # a day was said (a date, «вчера», a weekday)
    start: time | None = None
    end: time | None = None
    part: DayPart | None = None
    moment: datetime | None = None  # «3 часа назад»: read whole


def _normalise(text: str) -> str:
    clean = text.casefold().replace("ё", "е")
    clean = re.sub(r"[–—−]", "-", clean)
    clean = re.sub(r"[,;!?«»\"()]", " ", clean)
    clean = re.sub(r"\.(?=\s|$)", " ", clean)  # a full stop, not a separator in 02.12
    return " ".join(clean.split())


def _hour(raw_hour: str, raw_minute: str | None, suffix: DayPart | None) -> time | None:
    """An hour and minute, read in the part of the day said after it («9 вечера»)."""
    hour, minute = int(raw_hour), int(raw_minute or 0)
    if suffix in (DayPart.DAY, DayPart.EVENING) and hour < 12:
        hour += 12
    elif suffix in (DayPart.NIGHT, DayPart.MORNING) and hour == 12:
        hour = 0
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _in_part(moment: time, part: DayPart | None) -> time:
    """A bare hour read in the part of the day named beside it: «вечером в 9» is 21:00."""
    if part in (DayPart.DAY, DayPart.EVENING) and moment.hour < 12:
        return moment.replace(hour=moment.hour + 12)
    return moment


def _numeric_date(match: re.Match[str], today: date, *, ahead: bool = False) -> date | None:
    day, month, year = int(match[1]), int(match[2]), match[3]
    full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        found = date(full_year, month, day)
    except ValueError:
        return None
    if year is None and ahead:  # a day to look up: the nearest one of that date
        nearest = [found]
        for other in (full_year - 1, full_year + 1):
            try:
                nearest.append(date(other, month, day))
            except ValueError:
                continue
        return min(nearest, key=lambda candidate: abs((candidate - today).days))
    if year is None and found > today:
        try:
            found = found.replace(year=found.year - 1)
        except ValueError:  # 29.02 in a year without it
            return None
    return found


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    match = pattern.search(text)
    if match is None:
        return None, text
    return match, (text[: match.start()] + " " + text[match.end() :]).strip()


def _read(
    text: str, now_local: datetime, words: WordReader, *, ahead: bool = False
) -> _Found | None:
    found = _Found()
    patterns = _patterns()
    today = now_local.date()
    rest = text
    match, rest = _take(patterns.date_iso, rest)
    if match is not None:
        try:
            found.day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
        found.day_named = True
    else:
        match, rest = _take(patterns.date_num, rest)
        if match is not None:
            found.day = _numeric_date(match, today, ahead=ahead)
            if found.day is None:
                return None
            found.day_named = True
    match, rest = _take(patterns.ago, rest)
    if match is not None:
        read = words(match[0], now_local)
        if read is None:
            return None
        moment, has_time = read
        if has_time:
            found.moment = moment
        else:
            found.day, found.day_named = moment.date(), True
    suffixes = patterns.suffixes
    match, rest = _take(patterns.range, rest)
    if match is not None:
        if match[1] is not None:
            start = _hour(match[1], match[2], suffixes.get(match[3] or ""))
            end = _hour(match[4], match[5], suffixes.get(match[6] or ""))
        else:
            start, end = _hour(match[7], match[8], None), _hour(match[9], match[10], None)
        if start is None or end is None:
            return None
        found.start, found.end = start, end
    else:
        for pattern in (patterns.time_colon, patterns.time_part, patterns.time_prep):
            match, rest = _take(pattern, rest)
            if match is None:
                continue
            groups = match.groups()
            found.start = _hour(groups[0], groups[1], suffixes.get(groups[-1] or ""))
            if found.start is None:
                return None
            break
    for pattern, part in patterns.parts:
        match, rest = _take(pattern, rest)
        if match is not None:
            found.part = part
            break
    for pattern, back in patterns.days:
        match, rest = _take(pattern, rest)
        if match is not None:
            found.day, found.day_named = today - timedelta(days=back), True
            break
    # What is left: month names, weekdays, day numbers go to the word reader; other words
    # («нет света», «было», «примерно») are not about the time and are let be.
    date_words = [token for token in re.split(r"[\s.]+", rest) if patterns.date_word.match(token)]
    if any(not token.isdigit() for token in date_words):
        read = words(" ".join(date_words), now_local)
        if read is None or found.day_named:
            return None
        found.day, found.day_named = read[0].date(), True
    elif date_words:
        return None  # a bare number that is no time and no date
    if found.start is not None and found.part is not None:
        found.start = _in_part(found.start, found.part)
        if found.end is not None:
            found.end = _in_part(found.end, found.part)
        found.part = None
    if not (found.day_named or found.start or found.part or found.moment):
        return None
    return found


def _build(found: _Found, day: date, zone: tzinfo) -> When:
    if found.moment is not None:
        return When(found.moment.replace(tzinfo=zone), None, Precision.MOMENT)

    def at(hour: time, on: date = day) -> datetime:
        return datetime.combine(on, hour, tzinfo=zone)

    if found.start is not None and found.end is not None:
        start = at(found.start)
        end = at(found.end)
        if end <= start:
            end = at(found.end, day + timedelta(days=1))
        return When(start, end, Precision.RANGE)
    if found.start is not None:
        return When(at(found.start), None, Precision.MOMENT)
    if found.part is not None:
        first, last = DAY_PARTS[found.part]
        start = at(time(first))
        return When(start, start + timedelta(hours=last - first), Precision.PART, found.part)
    start = at(time(0))
    return When(start, start + timedelta(days=1), Precision.DAY)


def read_when(text: str, *, now: datetime, zone: tzinfo, words: WordReader) -> When:
    """What `text` says about when a past event happened (the module's rules), or a
    `DomainError`: unreadable, in the future, too long ago."""
    clean = _normalise(text[:TEXT_MAX])
    now_local = now.astimezone(zone)
    found = _read(clean, now_local.replace(tzinfo=None), words) if clean else None
    if found is None:
        raise WhenUnreadable("no date or time in the text")
    today = now_local.date()
    result = _build(found, found.day or today, zone)
    if not found.day_named and found.moment is None and result.start > now_local:
        result = _build(found, today - timedelta(days=1), zone)  # the latest one begun
    if result.start > now_local:
        raise WhenInFuture("the start is ahead")
    if now_local - result.start > timedelta(days=OLDEST_DAYS):
        raise WhenTooOld("the start is too long ago")
    return result


def read_day(text: str, *, now: datetime, zone: tzinfo, words: WordReader) -> date:
    """A day, past or to come, named in everyday words — a staff command's day (/day):
    «2026-12-03», «03.12» (the nearest 3 December), «завтра», «пятница» (the reader gives
    the coming one), «вчера». A time in the text is let be. WhenUnreadable, or WhenTooOld
    for a day more than OLDEST_DAYS away either way."""
    clean = _normalise(text[:TEXT_MAX])
    now_local = now.astimezone(zone)
    found = _read(clean, now_local.replace(tzinfo=None), words, ahead=True) if clean else None
    if found is None or not (found.day_named or found.moment):
        raise WhenUnreadable("no day in the text")
    day = found.moment.date() if found.moment is not None else found.day
    assert day is not None
    if abs((day - now_local.date()).days) > OLDEST_DAYS:
        raise WhenTooOld("the day is too far")
    return day
