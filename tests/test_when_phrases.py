"""Acceptance (issue 15, point 1): everyday Russian dates and times as people type them
about a past event, read by the one parser (domain/when.py over dateparser, core/when.py),
on a fixed clock: Friday 04.12.2026 15:30 in Moscow. Each row is what is typed and what is
understood (start, end of a range or None for a moment), or the refusal that asks again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.when import describe, parse_day, parse_when
from domain.when import Precision, WhenInFuture, WhenTooOld, WhenUnreadable

ZONE = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 4, 15, 30, tzinfo=ZONE)

UNDERSTOOD: list[tuple[str, str, str | None]] = [
    # From the issue.
    ("02.12 с 18:00 до 21:00", "02.12.2026 18:00", "02.12.2026 21:00"),
    ("вчера вечером", "03.12.2026 18:00", "04.12.2026 00:00"),
    ("сегодня в 7 утра", "04.12.2026 07:00", None),
    ("2 декабря", "02.12.2026 00:00", "03.12.2026 00:00"),
    ("с утра нет света", "04.12.2026 06:00", "04.12.2026 12:00"),
    # Named days and parts of the day.
    ("позавчера ночью", "02.12.2026 00:00", "02.12.2026 06:00"),
    ("сегодня утром", "04.12.2026 06:00", "04.12.2026 12:00"),
    ("ночью", "04.12.2026 00:00", "04.12.2026 06:00"),
    ("днём", "04.12.2026 12:00", "04.12.2026 18:00"),
    ("вечером", "03.12.2026 18:00", "04.12.2026 00:00"),  # this evening is ahead
    ("вчера", "03.12.2026 00:00", "04.12.2026 00:00"),
    ("позавчера", "02.12.2026 00:00", "03.12.2026 00:00"),
    ("сегодня", "04.12.2026 00:00", "05.12.2026 00:00"),
    ("в ночь на 2 декабря", "02.12.2026 00:00", "02.12.2026 06:00"),
    ("с 2 декабря нет света", "02.12.2026 00:00", "03.12.2026 00:00"),
    # Weekdays and «… назад».
    ("в понедельник около 9", "30.11.2026 09:00", None),
    ("в среду в 8 утра", "02.12.2026 08:00", None),
    ("час назад", "04.12.2026 14:30", None),
    ("3 часа назад", "04.12.2026 12:30", None),
    ("полчаса назад", "04.12.2026 15:00", None),
    ("5 минут назад", "04.12.2026 15:25", None),
    ("2 дня назад", "02.12.2026 00:00", "03.12.2026 00:00"),
    ("2 дня назад вечером", "02.12.2026 18:00", "03.12.2026 00:00"),
    # Numeric dates.
    ("02.12.2026 18:30", "02.12.2026 18:30", None),
    ("24.11.2026 18:30", "24.11.2026 18:30", None),
    ("24.11.2026", "24.11.2026 00:00", "25.11.2026 00:00"),
    ("2/12", "02.12.2026 00:00", "03.12.2026 00:00"),
    ("02.12.26", "02.12.2026 00:00", "03.12.2026 00:00"),
    ("2026-12-02", "02.12.2026 00:00", "03.12.2026 00:00"),
    ("02.12 18.30", "02.12.2026 18:30", None),
    ("31.12", "31.12.2025 00:00", "01.01.2026 00:00"),  # ahead this year: last year's
    # Times and ranges.
    ("12:00", "04.12.2026 12:00", None),
    ("18:00", "03.12.2026 18:00", None),  # not yet today: yesterday's
    ("с 18 до 21", "03.12.2026 18:00", "03.12.2026 21:00"),
    ("с 18:00 до 21:00 вчера", "03.12.2026 18:00", "03.12.2026 21:00"),
    ("18-21 вчера", "03.12.2026 18:00", "03.12.2026 21:00"),
    ("с 9.00 до 12.00", "04.12.2026 09:00", "04.12.2026 12:00"),
    ("вчера с 22 до 2", "03.12.2026 22:00", "04.12.2026 02:00"),  # past midnight
    ("Вчера вечером с 19 до 23 часов", "03.12.2026 19:00", "03.12.2026 23:00"),
    ("30 ноября с 10 до 12", "30.11.2026 10:00", "30.11.2026 12:00"),
    ("вчера в 23:15", "03.12.2026 23:15", None),
    ("в 9 вечера", "03.12.2026 21:00", None),
    ("вчера в 9 вечера", "03.12.2026 21:00", None),
    ("вчера вечером около 9", "03.12.2026 21:00", None),
    ("вчера около 18 ч.", "03.12.2026 18:00", None),
    ("1 декабря в 14:00", "01.12.2026 14:00", None),
    ("3 декабря, примерно в 19:40", "03.12.2026 19:40", None),
    ("около 12 дня", "04.12.2026 12:00", None),
    ("в 12 ночи", "04.12.2026 00:00", None),
]

ASKED_AGAIN: list[tuple[str, type[Exception]]] = [
    ("не помню", WhenUnreadable),
    ("", WhenUnreadable),
    ("абв", WhenUnreadable),
    ("15", WhenUnreadable),  # a bare number is no time and no date
    ("32.12", WhenUnreadable),
    ("25:00", WhenUnreadable),
    ("завтра", WhenInFuture),
    ("сегодня в 18:00", WhenInFuture),
    ("05.12.2026", WhenInFuture),
    ("01.01.2020", WhenTooOld),
    ("10.11.2025", WhenTooOld),
    ("2 декабря 2025 года", WhenTooOld),
]

_FORMAT = "%d.%m.%Y %H:%M"


def test_the_table_holds_at_least_forty_phrases() -> None:
    assert len(UNDERSTOOD) + len(ASKED_AGAIN) >= 40


@pytest.mark.parametrize(("typed", "start", "end"), UNDERSTOOD)
def test_everyday_phrases_are_understood(typed: str, start: str, end: str | None) -> None:
    when = parse_when(typed, now=NOW, zone=ZONE)
    assert when.start.astimezone(ZONE).strftime(_FORMAT) == start
    got_end = when.end.astimezone(ZONE).strftime(_FORMAT) if when.end else None
    assert got_end == end


@pytest.mark.parametrize(("typed", "refusal"), ASKED_AGAIN)
def test_what_cannot_be_taken_is_asked_again(typed: str, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        parse_when(typed, now=NOW, zone=ZONE)


def test_the_precision_says_what_was_named() -> None:
    assert parse_when("вчера вечером", now=NOW, zone=ZONE).precision is Precision.PART
    assert parse_when("2 декабря", now=NOW, zone=ZONE).precision is Precision.DAY
    assert parse_when("с 18 до 21", now=NOW, zone=ZONE).precision is Precision.RANGE
    assert parse_when("час назад", now=NOW, zone=ZONE).precision is Precision.MOMENT


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("02.12 с 18:00 до 21:00", "02.12.2026, 18:00–21:00"),
        ("вчера вечером", "03.12.2026, вечер (18:00–24:00)"),
        ("2 декабря", "02.12.2026"),
        ("02.12.2026 18:30", "02.12.2026, 18:30"),
        ("вчера с 22 до 2", "03.12.2026 22:00 – 04.12.2026 02:00"),
    ],
)
def test_what_was_understood_is_shown_back(typed: str, shown: str) -> None:
    from core.texts import Texts

    texts = Texts.load()
    assert describe(parse_when(typed, now=NOW, zone=ZONE), texts, ZONE) == shown


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-12-03", "03.12.2026"),
        ("03.12", "03.12.2026"),
        ("завтра", "05.12.2026"),
        ("вчера", "03.12.2026"),
        ("пятница", "11.12.2026"),  # today is one: the next (today has /today)
        ("в понедельник", "07.12.2026"),  # the coming one: a day to look up
        ("02.01", "02.01.2027"),  # the nearest 2 January
    ],
)
def test_a_staff_commands_day_may_be_ahead(typed: str, day: str) -> None:
    assert parse_day(typed, now=NOW, zone=ZONE).strftime("%d.%m.%Y") == day


@pytest.mark.parametrize("typed", ["когда-нибудь", "9999-99-99", "31.12.2030"])
def test_a_staff_commands_day_that_cannot_be_taken(typed: str) -> None:
    with pytest.raises((WhenUnreadable, WhenTooOld)):
        parse_day(typed, now=NOW, zone=ZONE)
