"""Notices: houses an outage covers, addresses, amounts and dates from files, quiet hours and
when a notice is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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
    out_of_quiet_hours,
    parse_amount,
    parse_date,
    parse_houses,
    parse_local_datetime,
    parse_quiet_hours,
    payment_due_send,
    planned_outage_sends,
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


# --- quiet hours ---------------------------------------------------------------------


def test_quiet_hours_across_midnight() -> None:
    for inside in (time(21, 0), time(23, 59), time(0, 0), time(8, 59, 59)):
        assert QUIET.contains(inside), inside
    for outside in (time(9, 0), time(12, 0), time(20, 59, 59)):
        assert not QUIET.contains(outside), outside


def test_quiet_hours_within_a_day() -> None:
    night = QuietHours(time(1, 0), time(5, 0))
    assert night.contains(time(1, 0))
    assert night.contains(time(4, 59))
    assert not night.contains(time(5, 0))
    assert not night.contains(time(0, 59))
    assert not night.contains(time(23, 0))


def test_equal_ends_are_never_quiet() -> None:
    never = QuietHours(time(9, 0), time(9, 0))
    assert not any(never.contains(time(h, m)) for h in range(24) for m in (0, 30))


@pytest.mark.parametrize(
    ("text", "quiet"),
    [
        ("21:00-09:00", QUIET),
        (" 21:00 – 9:00 ", QUIET),
        ("01:30-05:00", QuietHours(time(1, 30), time(5, 0))),
        ("", None),
        ("  ", None),
        ("off", None),
        ("OFF", None),
    ],
)
def test_parse_quiet_hours(text: str, quiet: QuietHours | None) -> None:
    assert parse_quiet_hours(text) == quiet


@pytest.mark.parametrize("text", ["21-09", "21:00", "24:00-09:00", "21:00-09:60", "night"])
def test_bad_quiet_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parse_quiet_hours(text)


def test_out_of_quiet_hours() -> None:
    day = moscow(2026, 11, 24, 12, 0)
    assert out_of_quiet_hours(day, QUIET, MOSCOW) is day
    assert out_of_quiet_hours(day, None, MOSCOW) is day
    night = moscow(2026, 11, 24, 22, 30)
    assert out_of_quiet_hours(night, None, MOSCOW) is night
    # Evening: to tomorrow's end of the quiet hours.
    assert out_of_quiet_hours(night, QUIET, MOSCOW) == moscow(2026, 11, 25, 9, 0)
    # After midnight: to today's end.
    assert out_of_quiet_hours(moscow(2026, 11, 25, 3, 0), QUIET, MOSCOW) == moscow(
        2026, 11, 25, 9, 0
    )
    assert out_of_quiet_hours(moscow(2026, 11, 24, 21, 0), QUIET, MOSCOW) == moscow(
        2026, 11, 25, 9, 0
    )
    moved = out_of_quiet_hours(moscow(2026, 11, 25, 8, 59), QUIET, MOSCOW)
    assert moved == moscow(2026, 11, 25, 9, 0)
    assert moved.tzinfo is UTC
    assert out_of_quiet_hours(moscow(2026, 11, 25, 9, 0), QUIET, MOSCOW) == moscow(
        2026, 11, 25, 9, 0
    )


def test_out_of_a_daytime_quiet_window() -> None:
    night = QuietHours(time(1, 0), time(5, 0))
    assert out_of_quiet_hours(moscow(2026, 11, 25, 2, 0), night, MOSCOW) == moscow(
        2026, 11, 25, 5, 0
    )


def test_out_of_quiet_hours_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="aware"):
        out_of_quiet_hours(datetime(2026, 11, 24, 22, 0), QUIET, MOSCOW)  # noqa: DTZ001


@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    )
)
def test_a_moved_moment_is_never_quiet_and_never_earlier(naive: datetime) -> None:
    at = naive.replace(tzinfo=UTC)
    moved = out_of_quiet_hours(at, QUIET, MOSCOW)
    assert moved >= at
    assert moved - at <= timedelta(hours=12)
    assert not QUIET.contains(moved.astimezone(MOSCOW).time())


# --- planned outage schedule ---------------------------------------------------------


def test_the_planned_outage_schedule() -> None:
    starts = moscow(2026, 12, 1, 9, 0)
    sends = planned_outage_sends(
        starts, now=NOW, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=QUIET
    )
    assert sends == [
        (NoticeKind.PLANNED_OUTAGE, datetime(2026, 11, 28, 6, 0, tzinfo=UTC)),
        (NoticeKind.OUTAGE_EVENING, moscow(2026, 11, 30, 18, 0)),
    ]
    assert sends[1][1] == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def test_the_first_notice_is_moved_out_of_the_quiet_hours() -> None:
    starts = moscow(2026, 12, 1, 7, 0)  # three days before is 07:00, quiet
    sends = planned_outage_sends(
        starts, now=NOW, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=QUIET
    )
    assert sends[0] == (NoticeKind.PLANNED_OUTAGE, moscow(2026, 11, 28, 9, 0))
    without_quiet = planned_outage_sends(
        starts, now=NOW, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=None
    )
    assert without_quiet[0] == (NoticeKind.PLANNED_OUTAGE, moscow(2026, 11, 28, 7, 0))


def test_an_outage_in_two_hours_is_told_now_without_an_evening_repeat() -> None:
    starts = NOW + timedelta(hours=2)
    assert planned_outage_sends(
        starts, now=NOW, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=QUIET
    ) == [(NoticeKind.PLANNED_OUTAGE, NOW)]


def test_a_night_notice_waits_for_the_morning_if_the_outage_is_later() -> None:
    now = moscow(2026, 11, 24, 22, 0)
    starts = moscow(2026, 11, 25, 11, 0)
    assert planned_outage_sends(
        starts, now=now, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=QUIET
    ) == [(NoticeKind.PLANNED_OUTAGE, moscow(2026, 11, 25, 9, 0))]


def test_a_night_notice_goes_now_if_waiting_would_come_after_the_start() -> None:
    now = moscow(2026, 11, 24, 22, 0)
    for starts in (moscow(2026, 11, 25, 8, 0), moscow(2026, 11, 25, 9, 0)):
        assert planned_outage_sends(
            starts, now=now, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=QUIET
        ) == [(NoticeKind.PLANNED_OUTAGE, now)]


def test_the_evening_repeat_needs_two_hours_after_the_first_notice() -> None:
    starts = moscow(2026, 11, 25, 10, 0)
    just_enough = moscow(2026, 11, 24, 16, 0)
    sends = planned_outage_sends(
        starts, now=just_enough, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=QUIET
    )
    assert [kind for kind, _ in sends] == [NoticeKind.PLANNED_OUTAGE, NoticeKind.OUTAGE_EVENING]
    too_close = moscow(2026, 11, 24, 16, 1)
    sends = planned_outage_sends(
        starts, now=too_close, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=QUIET
    )
    assert sends == [(NoticeKind.PLANNED_OUTAGE, too_close)]


def test_the_evening_repeat_is_on_the_local_day_before_the_start() -> None:
    # An outage just after midnight: the repeat is late on the day before, still before it.
    sends = planned_outage_sends(
        moscow(2026, 12, 1, 0, 30),
        now=NOW,
        days_ahead=3,
        evening_hour=23,
        zone=MOSCOW,
        quiet=None,
    )
    assert sends[-1] == (NoticeKind.OUTAGE_EVENING, moscow(2026, 11, 30, 23, 0))
    # The local day, not the UTC one: 01:00 in Moscow on Dec 1 is 22:00 UTC on Nov 30.
    starts = moscow(2026, 12, 1, 1, 0)
    assert starts.date() == date(2026, 11, 30)
    sends = planned_outage_sends(
        starts, now=NOW, days_ahead=3, evening_hour=20, zone=MOSCOW, quiet=QUIET
    )
    assert sends[-1] == (NoticeKind.OUTAGE_EVENING, moscow(2026, 11, 30, 20, 0))
    # The day before is today: the repeat tonight, the first notice now.
    sends = planned_outage_sends(
        moscow(2026, 11, 25, 12, 0),
        now=NOW,
        days_ahead=3,
        evening_hour=20,
        zone=MOSCOW,
        quiet=QUIET,
    )
    assert sends == [
        (NoticeKind.PLANNED_OUTAGE, NOW),
        (NoticeKind.OUTAGE_EVENING, moscow(2026, 11, 24, 20, 0)),
    ]


def test_no_evening_repeat_once_the_evening_has_passed() -> None:
    now = moscow(2026, 11, 24, 20, 30)
    assert planned_outage_sends(
        moscow(2026, 11, 25, 12, 0),
        now=now,
        days_ahead=3,
        evening_hour=20,
        zone=MOSCOW,
        quiet=None,
    ) == [(NoticeKind.PLANNED_OUTAGE, now)]


def test_an_outage_already_begun_has_nothing_to_send() -> None:
    for starts in (NOW, NOW - timedelta(minutes=1)):
        assert (
            planned_outage_sends(
                starts, now=NOW, days_ahead=3, evening_hour=18, zone=MOSCOW, quiet=QUIET
            )
            == []
        )


def test_the_outage_schedule_refuses_bad_settings() -> None:
    starts = moscow(2026, 12, 1, 9, 0)
    with pytest.raises(ValueError, match="days_ahead"):
        planned_outage_sends(
            starts, now=NOW, days_ahead=0, evening_hour=18, zone=MOSCOW, quiet=QUIET
        )
    with pytest.raises(ValueError, match="evening_hour"):
        planned_outage_sends(
            starts, now=NOW, days_ahead=3, evening_hour=24, zone=MOSCOW, quiet=QUIET
        )
    with pytest.raises(ValueError, match="aware"):
        planned_outage_sends(
            starts.replace(tzinfo=None),
            now=NOW,
            days_ahead=3,
            evening_hour=18,
            zone=MOSCOW,
            quiet=QUIET,
        )


@given(
    st.integers(0, 14 * 24 * 60),
    st.integers(1, 7),
    st.integers(0, 23),
    st.sampled_from([QUIET, None, QuietHours(time(1, 0), time(5, 0))]),
)
def test_outage_sends_always_come_in_order_before_the_start(
    minutes: int, days_ahead: int, evening_hour: int, quiet: QuietHours | None
) -> None:
    starts = NOW + timedelta(minutes=minutes)
    sends = planned_outage_sends(
        starts,
        now=NOW,
        days_ahead=days_ahead,
        evening_hour=evening_hour,
        zone=MOSCOW,
        quiet=quiet,
    )
    if minutes == 0:
        assert sends == []
        return
    assert sends[0][0] is NoticeKind.PLANNED_OUTAGE
    times = [t for _, t in sends]
    assert all(NOW <= t < starts for t in times)
    assert times == sorted(times)
    if len(sends) == 2:
        assert sends[1][0] is NoticeKind.OUTAGE_EVENING
        assert times[1] - times[0] >= timedelta(hours=2)


# --- payment due reminder ------------------------------------------------------------


def test_the_payment_reminder_goes_days_before_the_due_date() -> None:
    sent = payment_due_send(
        date(2026, 12, 10),
        now=NOW,
        days_before=3,
        send_hour=10,
        zone=MOSCOW,
        after=NOW,
    )
    assert sent == moscow(2026, 12, 7, 10, 0)
    assert sent == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def test_no_reminder_when_the_debt_notice_is_already_as_late() -> None:
    due = date(2026, 12, 10)
    args = {"now": NOW, "days_before": 3, "send_hour": 10, "zone": MOSCOW}
    at = moscow(2026, 12, 7, 10, 0)
    assert payment_due_send(due, after=at, **args) is None  # type: ignore[arg-type]
    assert payment_due_send(due, after=at - timedelta(seconds=1), **args) == at  # type: ignore[arg-type]


def test_no_reminder_when_its_day_has_passed_but_the_due_date_has_not() -> None:
    assert (
        payment_due_send(
            date(2026, 11, 26), now=NOW, days_before=3, send_hour=10, zone=MOSCOW, after=NOW
        )
        is None
    )
    # The same hour today is not after now (10:00 in Moscow), even if the debt notice went
    # out earlier.
    yesterday = NOW - timedelta(days=1)
    assert (
        payment_due_send(
            date(2026, 11, 27), now=NOW, days_before=3, send_hour=10, zone=MOSCOW, after=yesterday
        )
        is None
    )
    assert payment_due_send(
        date(2026, 11, 27), now=NOW, days_before=3, send_hour=11, zone=MOSCOW, after=NOW
    ) == moscow(2026, 11, 24, 11, 0)


def test_no_reminder_for_a_due_date_in_the_past() -> None:
    for due in (date(2026, 11, 23), date(2026, 1, 1)):
        assert (
            payment_due_send(due, now=NOW, days_before=0, send_hour=23, zone=MOSCOW, after=NOW)
            is None
        )


def test_a_reminder_on_the_due_day_itself() -> None:
    assert payment_due_send(
        date(2026, 11, 24), now=NOW, days_before=0, send_hour=18, zone=MOSCOW, after=NOW
    ) == moscow(2026, 11, 24, 18, 0)


def test_the_payment_reminder_refuses_bad_settings() -> None:
    due = date(2026, 12, 10)
    with pytest.raises(ValueError, match="days_before"):
        payment_due_send(due, now=NOW, days_before=-1, send_hour=10, zone=MOSCOW, after=NOW)
    with pytest.raises(ValueError, match="send_hour"):
        payment_due_send(due, now=NOW, days_before=3, send_hour=24, zone=MOSCOW, after=NOW)


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
