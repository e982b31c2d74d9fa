"""Notices: houses an outage covers, addresses, amounts and dates from files (the
schedule: tests/domain/test_notice_schedule.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.notices import (
    HouseRange,
    HouseSet,
    InvalidHouses,
    NoticeKind,
    OutageKind,
    QuietHours,
    normalize_house,
    normalize_place,
    parse_amount,
    parse_date,
    parse_houses,
    parse_local_datetime,
)

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
QUIET = QuietHours(time(21, 0), time(9, 0))


def moscow(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW).astimezone(UTC)


# --- kinds ---------------------------------------------------------------------------


def test_notice_and_outage_kinds_have_their_stored_values() -> None:
    assert {k.value for k in NoticeKind} == {
        "debt",
        "payment_due",
        "tariff",
        "planned_outage",
        "outage_evening",
        "emergency_outage",
        "power_restored",
        "outage_cancelled",
        "restriction",
        "contract",
        "readings_reminder",
        "message",
        "questionnaire",
    }
    assert [k.value for k in OutageKind] == ["planned", "emergency"]


# --- houses --------------------------------------------------------------------------


def test_the_brief_example_houses() -> None:
    houses = parse_houses("1-15; 2-20 even; 7а")
    assert houses.items == (HouseRange(1, 15), HouseRange(2, 20, "even"), "7а")
    assert str(houses) == "1-15; 2-20 even; 7а"
    assert not houses.whole_street
    for inside in ("1", "15", "7а", "8", "16", "20", "7б", "2", "9к2", "16а"):
        assert houses.contains(inside), inside
    # 16 is even, so within 2-20 even; 17 and 19 are odd and above 15.
    for outside in ("17", "19", "21", "22", "17а", "0", "", "abc"):
        assert not houses.contains(outside), outside


@pytest.mark.parametrize("text", ["", "   ", ";", " , ; "])
def test_blank_houses_are_the_whole_street(text: str) -> None:
    houses = parse_houses(text)
    assert houses.whole_street
    assert houses == HouseSet()
    assert str(houses) == ""
    assert houses.contains("1")
    assert houses.contains("125к3")


@pytest.mark.parametrize(
    ("word", "parity"),
    [
        ("even", "even"),
        ("EVEN", "even"),
        ("odd", "odd"),
        ("чет", "even"),
        ("чёт", "even"),
        ("четн", "even"),
        ("четные", "even"),
        ("Чётные", "even"),
        ("(чет.)", "even"),
        ("нечет", "odd"),
        ("нечёт", "odd"),
        ("нечетные", "odd"),
        ("НЕЧЁТНЫЕ", "odd"),
    ],
)
def test_parity_words(word: str, parity: str) -> None:
    assert parse_houses(f"1-20 {word}").items == (HouseRange(1, 20, parity),)  # type: ignore[arg-type]


def test_a_range_with_parity_keeps_only_its_numbers() -> None:
    even = parse_houses("2-20 чёт")
    odd = parse_houses("1-19 нечет")
    assert [n for n in range(0, 25) if even.contains(str(n))] == list(range(2, 21, 2))
    assert [n for n in range(0, 25) if odd.contains(str(n))] == list(range(1, 20, 2))
    # A letter house follows its number's parity.
    assert odd.contains("7а") and not even.contains("7а")
    assert even.contains("8б") and not odd.contains("8б")


@pytest.mark.parametrize("text", ["1-15", "1 - 15", "1–15", "1—15", "01-15"])
def test_range_dashes_and_spaces(text: str) -> None:
    assert parse_houses(text).items == (HouseRange(1, 15),)


def test_commas_and_semicolons_both_separate_and_repeats_are_dropped() -> None:
    houses = parse_houses("1-5, 7а; 7 А,9")
    assert houses.items == (HouseRange(1, 5), "7а", "9")


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("7", "7"),
        ("7а", "7а"),
        ("7 А", "7а"),
        ("7-а", "7а"),
        ("7a", "7а"),  # a Latin a
        ("12/1", "12/1"),
        ("12 / 1", "12/1"),
        ("7к2", "7к2"),
        ("7 корп. 2", "7к2"),
        ("7 корпус 2", "7к2"),
        ("7 к. 2", "7к2"),
        ("7 стр. 1", "7с1"),
        ("7 строение 1", "7с1"),
        ("д. 7", "7"),
        ("дом 7а", "7а"),
        ("7.", "7"),
        ("007", "7"),
        ("7ё", "7е"),
    ],
)
def test_exact_houses_are_normalized(text: str, normalized: str) -> None:
    assert normalize_house(text) == normalized
    assert parse_houses(text).items == (normalized,)


def test_an_exact_house_covers_itself_and_its_buildings_only() -> None:
    seven = parse_houses("7")
    assert seven.contains("7")
    assert seven.contains(" 7 ")
    assert seven.contains("7к2")
    assert seven.contains("7 корп. 2")
    assert seven.contains("7 стр 1")
    assert not seven.contains("7а")
    assert not seven.contains("7к")  # a letter к, not a building
    assert not seven.contains("7ка")
    assert not seven.contains("71")
    assert not seven.contains("17")
    assert not seven.contains("7/1")
    assert not seven.contains("8")
    letter = parse_houses("7а")
    assert letter.contains("7 А")
    assert letter.contains("7ак1")
    assert not letter.contains("7")
    assert not letter.contains("7б")


def test_ranges_cover_letter_corner_and_building_houses_by_their_number() -> None:
    houses = parse_houses("1-15")
    for house in ("7а", "7/2", "12/1", "7к2", "15 стр 3", "д. 3"):
        assert houses.contains(house), house
    for house in ("16/1", "abc", "к2"):
        assert not houses.contains(house), house


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("abc", "abc"),
        ("5-3", "5-3"),
        ("1-", "1-"),
        ("-", "-"),
        ("1-15; abc", "abc"),
        ("1-15 foo", "1-15 foo"),
        ("1-10000", "1-10000"),
        ("0", "0"),
        ("0-5", "0-5"),
        ("3-3 even", "3-3 even"),
        ("7аа", "7аа"),
        ("12//1", "12//1"),
        ("10000", "10000"),
    ],
)
def test_garbage_houses_are_refused_with_the_part(text: str, detail: str) -> None:
    with pytest.raises(InvalidHouses) as error:
        parse_houses(text)
    assert error.value.detail == detail
    assert isinstance(error.value, ValueError)


def test_the_range_bound_is_9999() -> None:
    assert parse_houses("9990-9999 odd").contains("9999")
    with pytest.raises(InvalidHouses):
        HouseRange(1, 10000)
    with pytest.raises(InvalidHouses):
        HouseRange(5, 3)


_items = st.one_of(
    st.builds(
        lambda a, n, p: HouseRange(a, min(a + n, 9999), p),
        st.integers(1, 9998),
        st.integers(1, 50),
        st.sampled_from([None, "even", "odd"]),
    ),
    st.builds(
        lambda n, suffix: f"{n}{suffix}",
        st.integers(1, 9999),
        st.sampled_from(["", "а", "б", "/1", "к2", "с1"]),
    ),
)


@given(st.lists(_items, max_size=5, unique=True))
def test_the_canonical_text_reads_back_as_the_same_set(items: list[HouseRange | str]) -> None:
    houses = HouseSet(tuple(items))
    assert parse_houses(str(houses)) == houses


# --- places --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("ул. Ленина", "ленина"),
        ("Ленина", "ленина"),
        ("улица ленина", "ленина"),
        ("Ленина ул.", "ленина"),
        ("ул.Ленина", "ленина"),
        ("  ЛЕНИНА  ", "ленина"),
        ("г. Выкса", "выкса"),
        ("город Выкса", "выкса"),
        ("р.п. Шиморское", "шиморское"),
        ("р. п. Шиморское", "шиморское"),
        ("рп Шиморское", "шиморское"),
        ("пгт Шиморское", "шиморское"),
        ("с. Новодмитриевка", "новодмитриевка"),
        ("д Туртапка", "туртапка"),
        ("пос. Досчатое", "досчатое"),
        ("посёлок Ёлочки", "елочки"),
        ("пр-т Мира", "мира"),
        ("проспект Мира", "мира"),
        ("1-я Заводская", "1-я заводская"),
        ("пер. 2-й Заводской", "2-й заводской"),
        ("б-р Победы", "победы"),
        ("мкр. Гоголя, д.", "гоголя"),
        ("Проезд", "проезд"),
        ("ул.", "ул"),
        ("Красные Зори", "красные зори"),
    ],
)
def test_places_are_normalized(text: str, normalized: str) -> None:
    assert normalize_place(text) == normalized


def test_type_words_are_dropped_only_as_whole_tokens() -> None:
    assert normalize_place("Гагарина") == "гагарина"  # starts with "г"
    assert normalize_place("Пушкина пл.") == normalize_place("площадь Пушкина") == "пушкина"
    assert normalize_place("Шоссейная") == "шоссейная"


# --- amounts and dates ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1\u202f234,50", "1234.50"),
        ("1234", "1234.00"),
        ("1234,5", "1234.50"),
        ("1 234", "1234.00"),
        (" 0 ", "0.00"),
        ("12 345 678,9", "12345678.90"),
        ("99999999.99", "99999999.99"),
    ],
)
def test_amounts(text: str, amount: str) -> None:
    value = parse_amount(text)
    assert value == Decimal(amount)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    [
        "-5",
        "-0.01",
        "",
        "  ",
        "1.234",
        "12a",
        "abc",
        "100000000",
        "99999999.999",
        "12 34",
        "1,234.50",
        "1234.",
        ".5",
        "1e3",
        "NaN",
    ],
)
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("01.12.2026", date(2026, 12, 1)),
        ("1.2.2026", date(2026, 2, 1)),
        (" 2026-12-01 ", date(2026, 12, 1)),
    ],
)
def test_dates(text: str, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text", ["", "2026/12/01", "12.2026", "31.02.2026", "2026-13-01", "2026-1-5", "вчера"]
)
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError: the message is for logs
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01 09:00",
        "2026-12-01T09:00",
        "01.12.2026 09:00",
        "1.12.2026 9:00",
        "2026-12-01  09:00:00",
    ],
)
def test_local_datetimes_are_read_in_the_zone_and_returned_in_utc(text: str) -> None:
    moment = parse_local_datetime(text, MOSCOW)
    assert moment == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert moment.tzinfo is UTC


def test_local_datetimes_follow_the_zone() -> None:
    assert parse_local_datetime("2026-07-01 12:00", ZoneInfo("Europe/Berlin")) == datetime(
        2026, 7, 1, 10, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01",
        "09:00",
        "2026-12-01 25:00",
        "2026-12-01 09:60",
        "01.12.2026T09:00",
        "2026-12-0109:00",
        "2026-12-01 09:00 MSK",
        "31.02.2026 09:00",
    ],
)
def test_bad_datetimes_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parse_local_datetime(text, MOSCOW)


def test_place_key_is_one_key_per_street_however_it_is_written() -> None:
    from domain.notices import place_key

    assert place_key("г. Выкса", "ул. Ленина") == place_key("Выкса", "улица ЛЕНИНА")
    assert place_key("Выкса", "Лёвина") == place_key("Выкса", "Левина")
    assert place_key("Выкса", "Ленина") != place_key("Выкса", "пер. Ленина")
    assert place_key("Выкса", "переулок Ленина") == place_key("Выкса", "Ленина пер.")
    assert place_key("Выкса", "Шиморское шоссе") == place_key("Выкса", "ш. Шиморское")
    assert place_key("Выкса", "пр-т Мира") == place_key("Выкса", "проспект Мира")
    assert place_key("Выкса", "Ленина") != place_key("Навашино", "Ленина")
    assert len(place_key("x" * 400, "y")) == 300
