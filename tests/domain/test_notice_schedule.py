"""Notices: quiet hours and when a notice is sent (a planned outage's first notice and
evening repeat, the payment reminder)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.notices import (
    NoticeKind,
    QuietHours,
    out_of_quiet_hours,
    parse_quiet_hours,
    payment_due_send,
    planned_outage_sends,
)

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
QUIET = QuietHours(time(21, 0), time(9, 0))


def moscow(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW).astimezone(UTC)


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
