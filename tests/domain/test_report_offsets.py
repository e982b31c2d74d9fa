"""The zone's offset pieces the register's SQL adds to the stored UTC moments
(domain.reports.utc_offsets): exact to the second at a change of summer time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.reports import RegisterEntry, utc_offsets


def test_moscow_has_one_offset_all_year() -> None:
    start, end = datetime(2025, 12, 31, 21, tzinfo=UTC), datetime(2026, 12, 31, 21, tzinfo=UTC)
    assert utc_offsets(start, end, ZoneInfo("Europe/Moscow")) == [(start, 3 * 3600)]


def test_a_summer_time_zone_has_three_pieces_changing_at_the_exact_second() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    assert utc_offsets(start, end, ZoneInfo("Europe/Berlin")) == [
        (start, 3600),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 7200),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 3600),
    ]


def test_a_change_within_the_first_day_and_a_negative_offset() -> None:
    zone = ZoneInfo("America/New_York")  # 2026-03-08 07:00 UTC: −5 h → −4 h
    start = datetime(2026, 3, 8, 6, 59, 59, tzinfo=UTC)
    pieces = utc_offsets(start, start + timedelta(hours=2), zone)
    assert pieces == [(start, -5 * 3600), (datetime(2026, 3, 8, 7, tzinfo=UTC), -4 * 3600)]


def test_an_entry_names_its_local_date_and_time() -> None:
    row = ("2026-0001", date(2026, 1, 1).toordinal(), 3600 + 59, "phone", "complaint")
    entry = RegisterEntry.named((*row, "service_quality", "open", None, "", ""))
    assert entry.registered_at.date() == date(2026, 1, 1)
    assert entry.registered_at.time() == time(1, 0, 59)
