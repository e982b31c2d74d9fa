"""Meter readings: parsing, the checks, consumption, the window and the billing period, the
reference (SPEC §5; regulation §10.3, §10.5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.ids import AccountNumber
from domain.readings import (
    MAX_DIGITS,
    MIN_DIGITS,
    Confirmation,
    ImplausibleNotConfirmed,
    InvalidPeriod,
    Reading,
    ReadingBelowLast,
    ReadingChannel,
    ReadingNegative,
    ReadingNotANumber,
    ReadingTooManyDecimals,
    ReadingTooManyDigits,
    ReadingWindow,
    ReadingZonesMismatch,
    RolloverNotConfirmed,
    WindowPosition,
    ZonePoint,
    ZoneValue,
    allowance,
    assess,
    check_zones,
    consumption,
    counter_limit,
    format_period,
    format_reference,
    format_value,
    monthly_average,
    parse_period,
    parse_value,
    period_for,
    plain_value,
    require_confirmed,
    rollover_plausible,
    zone_history,
    zone_name_key,
    zone_name_keys,
)

MOSCOW = ZoneInfo("Europe/Moscow")
WINDOW = ReadingWindow(15, 25)
FACTOR = Fraction(3)
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def _moscow(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


# -- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "milli"),
    [
        ("12345", 12_345_000),
        ("12345.6", 12_345_600),
        ("12345,6", 12_345_600),
        ("12 345,6", 12_345_600),
        ("12\u00a0345,678", 12_345_678),
        ("  1 234 567  ", 1_234_567_000),
        ("012345", 12_345_000),
        ("0", 0),
        ("0,001", 1),
        ("7,50", 7_500),
    ],
)
def test_values_are_read_the_way_people_type_them(raw: str, milli: int) -> None:
    assert parse_value(raw) == milli


@pytest.mark.parametrize(
    "raw", ["", "  ", "abc", "12345 кВт", "12a45", "1e5", "12 3456", "12,", ",5", "1.2.3", "+5"]
)
def test_letters_and_malformed_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ReadingNotANumber):
        parse_value(raw)


@pytest.mark.parametrize("raw", ["-5", "- 12 345", "\u22125", "\u2212 0,5"])
def test_negative_values_are_refused_as_such(raw: str) -> None:
    with pytest.raises(ReadingNegative):
        parse_value(raw)


def test_more_than_three_decimals_are_refused() -> None:
    with pytest.raises(ReadingTooManyDecimals) as refused:
        parse_value("12345,6789")
    assert refused.value.limit == 3


def test_values_are_formatted_with_grouping_and_a_decimal_comma() -> None:
    assert format_value(12_345_600) == "12\u00a0345,6"
    assert format_value(1_234_000) == "1234"
    assert format_value(1_000_001_500) == "1\u00a0000\u00a0001,5"
    assert format_value(0) == "0"
    assert plain_value(12_345_600) == "12345.6"
    assert plain_value(5) == "0.005"


@given(st.integers(min_value=0, max_value=counter_limit(MAX_DIGITS) - 1))
def test_parse_reads_back_what_format_writes(milli: int) -> None:
    assert parse_value(format_value(milli)) == milli
    assert parse_value(plain_value(milli)) == milli


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=999),
    st.sampled_from([",", "."]),
)
def test_any_integer_and_up_to_three_decimals_parse_exactly(
    whole: int, thousandths: int, point: str
) -> None:
    fraction = f"{thousandths:03d}"
    assert parse_value(f"{whole}{point}{fraction}") == whole * 1000 + thousandths


# -- digits and rollover ---------------------------------------------------------------------


def test_a_value_must_fit_the_meters_digits() -> None:
    history: list[ZonePoint] = []
    ok = assess(zone=1, value_milli=99_999_999, digits=5, history=history, at=NOW, factor=FACTOR)
    assert ok.consumption_milli is None  # the first reading: nothing to compare with
    with pytest.raises(ReadingTooManyDigits) as refused:
        assess(zone=1, value_milli=100_000_000, digits=5, history=history, at=NOW, factor=FACTOR)
    assert refused.value.digits == 5


def test_rollover_is_plausible_only_from_the_top_tenth_of_the_counter() -> None:
    assert rollover_plausible(90_000_000, 5)
    assert rollover_plausible(99_999_999, 5)
    assert not rollover_plausible(89_999_999, 5)


def test_reading_below_last_value_is_refused_when_no_rollover_is_believable() -> None:
    history = [ZonePoint(NOW - timedelta(days=30), 50_000_000)]
    with pytest.raises(ReadingBelowLast) as refused:
        assess(zone=2, value_milli=49_000_000, digits=5, history=history, at=NOW, factor=FACTOR)
    assert (refused.value.zone, refused.value.last_milli) == (2, 50_000_000)


def test_a_lower_value_near_the_top_asks_about_rollover_then_counts_past_zero() -> None:
    history = [ZonePoint(NOW - timedelta(days=30), 99_500_000)]
    asked = assess(zone=1, value_milli=120_000, digits=5, history=history, at=NOW, factor=FACTOR)
    assert asked.needs is Confirmation.ROLLOVER
    assert asked.rollover
    with pytest.raises(RolloverNotConfirmed):
        require_confirmed(asked)
    confirmed = assess(
        zone=1,
        value_milli=120_000,
        digits=5,
        history=history,
        at=NOW,
        factor=FACTOR,
        rollover_confirmed=True,
    )
    assert confirmed.needs is None
    assert confirmed.consumption_milli == 620_000  # 500 to the top, then 120


def test_a_higher_value_is_never_a_rollover_even_when_flagged() -> None:
    history = [ZonePoint(NOW - timedelta(days=30), 99_500_000)]
    line = assess(
        zone=1,
        value_milli=99_600_000,
        digits=5,
        history=history,
        at=NOW,
        factor=FACTOR,
        rollover_confirmed=True,
    )
    assert not line.rollover
    assert line.consumption_milli == 100_000


@given(
    st.integers(min_value=MIN_DIGITS, max_value=MAX_DIGITS).flatmap(
        lambda digits: st.tuples(
            st.just(digits),
            st.integers(min_value=0, max_value=counter_limit(digits) - 1),
            st.integers(min_value=0, max_value=counter_limit(digits) - 1),
        )
    )
)
def test_consumption_with_rollover_is_the_distance_forward_on_the_counter(
    case: tuple[int, int, int],
) -> None:
    digits, previous, value = case
    limit = counter_limit(digits)
    if value >= previous:
        assert consumption(previous, value, digits=digits, rollover=False) == value - previous
    else:
        used = consumption(previous, value, digits=digits, rollover=True)
        assert 0 < used <= limit
        assert (previous + used) % limit == value


# -- implausible consumption -----------------------------------------------------------------


def _monthly(values: list[int], *, end: datetime = NOW - timedelta(days=30)) -> list[ZonePoint]:
    """One reading a (mean) month, oldest first, the last one `end`."""
    month = timedelta(seconds=2_629_746)
    count = len(values)
    return [ZonePoint(end - month * (count - 1 - i), v) for i, v in enumerate(values)]


def test_the_average_needs_two_earlier_readings_spanning_two_weeks() -> None:
    assert monthly_average(_monthly([1_000_000]), digits=6) is None
    same_day = [ZonePoint(NOW - timedelta(days=1), 1_000_000), ZonePoint(NOW, 1_010_000)]
    assert monthly_average(same_day, digits=6) is None
    assert monthly_average(_monthly([1_000_000, 1_200_000]), digits=6) == 200_000
    assert monthly_average(_monthly([1_000_000, 1_000_000]), digits=6) is None  # nothing used


def test_implausible_consumption_asks_to_confirm_and_a_confirmation_accepts_it() -> None:
    history = _monthly([1_000_000, 1_200_000, 1_400_000], end=NOW - timedelta(days=30))
    # 200 kWh a month on average; 3 × 200 = 600 allowed within a month.
    usual = assess(zone=1, value_milli=1_900_000, digits=6, history=history, at=NOW, factor=FACTOR)
    assert usual.needs is None
    assert usual.average_milli == 200_000
    assert usual.allowance_milli == 600_000
    odd = assess(zone=1, value_milli=3_000_000, digits=6, history=history, at=NOW, factor=FACTOR)
    assert odd.needs is Confirmation.IMPLAUSIBLE
    assert odd.consumption_milli == 1_600_000
    with pytest.raises(ImplausibleNotConfirmed):
        require_confirmed(odd)
    confirmed = assess(
        zone=1,
        value_milli=3_000_000,
        digits=6,
        history=history,
        at=NOW,
        factor=FACTOR,
        implausible_confirmed=True,
    )
    assert confirmed.needs is None


def test_after_a_long_gap_the_allowance_grows_with_the_months_elapsed() -> None:
    history = _monthly([1_000_000, 1_200_000], end=NOW - timedelta(days=182))
    limit = allowance(history, digits=6, at=NOW, factor=FACTOR)
    assert limit is not None
    assert 3_500_000 < limit < 3_700_000  # 3 × 200 × about six months
    line = assess(zone=1, value_milli=2_400_000, digits=6, history=history, at=NOW, factor=FACTOR)
    assert line.needs is None  # 1 200 kWh in six months is ordinary


def test_rollover_question_comes_before_the_consumption_warning() -> None:
    history = _monthly([99_000_000, 99_100_000, 99_200_000], end=NOW - timedelta(days=30))
    asked = assess(zone=1, value_milli=5_000_000, digits=5, history=history, at=NOW, factor=FACTOR)
    assert asked.needs is Confirmation.ROLLOVER
    then = assess(
        zone=1,
        value_milli=5_000_000,
        digits=5,
        history=history,
        at=NOW,
        factor=FACTOR,
        rollover_confirmed=True,
    )
    assert then.needs is Confirmation.IMPLAUSIBLE  # 800 + 5000 kWh vs 3 × 100


def test_history_is_taken_per_zone_oldest_first() -> None:
    def reading(day: int, *values: int) -> Reading:
        return Reading(
            id=None,
            reference=None,
            account_number=AccountNumber("1"),
            meter_serial="m",
            period="2026-11",
            submitted_at=datetime(2026, 11, day, tzinfo=UTC),
            channel=ReadingChannel.BOT,
            values=tuple(ZoneValue(i + 1, v) for i, v in enumerate(values)),
        )

    readings = [reading(20, 300, 30), reading(10, 100, 10), reading(15, 200, 20)]
    assert [p.value_milli for p in zone_history(readings, 2)] == [10, 20, 30]
    assert zone_history(readings, 3) == []


def test_every_zone_of_the_meter_needs_a_value() -> None:
    check_zones(2, {1: "1", 2: "2"})
    with pytest.raises(ReadingZonesMismatch):
        check_zones(2, {1: "1"})
    with pytest.raises(ReadingZonesMismatch):
        check_zones(1, {1: "1", 2: "2"})


def test_zone_names_are_the_ones_people_know() -> None:
    assert zone_name_key(1, 1) == "reading-zone-single"
    assert [zone_name_key(2, z) for z in (1, 2)] == [
        "reading-zone-t1-day",
        "reading-zone-t2-night",
    ]
    assert [zone_name_key(3, z) for z in (1, 2, 3)] == [
        "reading-zone-t1-peak",
        "reading-zone-t2-half-peak",
        "reading-zone-t3-night",
    ]
    assert len(zone_name_keys()) == 6
    with pytest.raises(ValueError, match="no zone"):
        zone_name_key(2, 3)


# -- window and period -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "period", "position"),
    [
        (_moscow(2026, 11, 15, 0, 0), "2026-11", WindowPosition.INSIDE),
        (_moscow(2026, 11, 25, 23, 59), "2026-11", WindowPosition.INSIDE),
        (_moscow(2026, 11, 14, 23, 59), "2026-11", WindowPosition.BEFORE),
        (_moscow(2026, 11, 1, 0, 0), "2026-11", WindowPosition.BEFORE),
        (_moscow(2026, 11, 26, 0, 0), "2026-12", WindowPosition.AFTER),
        (_moscow(2026, 12, 31, 23, 59), "2027-01", WindowPosition.AFTER),
        (_moscow(2027, 1, 1, 0, 0), "2027-01", WindowPosition.BEFORE),
    ],
)
def test_the_period_rule_at_the_window_edges_and_the_year_end(
    moment: datetime, period: str, position: WindowPosition
) -> None:
    decision = period_for(moment.astimezone(UTC), MOSCOW, WINDOW)
    assert (decision.period, decision.position) == (period, position)


def test_the_window_is_on_the_company_calendar_not_utc() -> None:
    # 25.11 22:30 UTC is already 26.11 01:30 in Moscow: after the window.
    late = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)
    assert period_for(late, MOSCOW, WINDOW).period == "2026-12"
    assert period_for(late, ZoneInfo("UTC"), WINDOW).period == "2026-11"


def test_a_window_end_beyond_the_month_means_its_last_day() -> None:
    window = ReadingWindow(20, 31)
    decision = period_for(_moscow(2027, 2, 28, 23, 0), MOSCOW, window)
    assert decision.inside
    assert decision.closes == date(2027, 2, 28)
    with pytest.raises(ValueError, match="window"):
        ReadingWindow(25, 15)


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2100, 12, 31),  # noqa: DTZ001
        timezones=st.just(MOSCOW),
    ),
    st.integers(min_value=1, max_value=28).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(min_value=start, max_value=31))
    ),
)
def test_a_reading_counts_for_this_month_until_the_window_closes_then_the_next(
    moment: datetime, days: tuple[int, int]
) -> None:
    window = ReadingWindow(*days)
    decision = period_for(moment, MOSCOW, window)
    local = moment.astimezone(MOSCOW).date()
    year, month = parse_period(decision.period)
    if local <= decision.closes:
        assert (year, month) == (local.year, local.month)
    else:
        assert decision.position is WindowPosition.AFTER
        assert (year, month) == (
            (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        )
    # Never a period in the past, never more than one month ahead.
    months_ahead = (year - local.year) * 12 + month - local.month
    assert months_ahead in (0, 1)
    assert decision.inside == (decision.opens <= local <= decision.closes)


def test_periods_are_written_and_read_as_year_dash_month() -> None:
    assert format_period(2026, 1) == "2026-01"
    assert parse_period(" 2026-11 ") == (2026, 11)
    for bad in ("2026-13", "2026-1", "11.2026", "", "2026-00"):
        with pytest.raises(InvalidPeriod):
            parse_period(bad)


# -- references ------------------------------------------------------------------------------


def test_references_carry_prefix_year_and_padded_id() -> None:
    assert format_reference("П", 2026, 123) == "П-2026-000123"
    assert format_reference("p", 2026, 1_234_567) == "P-2026-1234567"
    with pytest.raises(ValueError, match="prefix"):
        format_reference("P-", 2026, 1)
    with pytest.raises(ValueError, match="ids"):
        format_reference("P", 2026, 0)
