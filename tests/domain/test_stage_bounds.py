"""`stage_bounds` (domain/deadlines.py) lets SQL find the appeals at a warning stage by
comparing dates: it must agree with `warning_stage` and `early_warning_due` for every due
date and registration around `now`, holidays included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.deadlines import (
    SetCalendar,
    WarningStage,
    early_warning_due,
    end_of_day,
    stage_bounds,
    warning_stage,
)

MSK = ZoneInfo("Europe/Moscow")
NEW_YEAR = SetCalendar(days_off=[date(2026, 12, 31)] + [date(2027, 1, d) for d in range(1, 9)])


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 24, 0, 5, tzinfo=MSK),
        datetime(2026, 12, 30, 23, 59, tzinfo=MSK),
        datetime(2027, 1, 4, 12, tzinfo=MSK),
        datetime(2027, 1, 11, 9, tzinfo=MSK),
        datetime(2027, 3, 8, 0, 0, 1, tzinfo=MSK),
    ],
)
def test_the_bounds_agree_with_the_stage_of_every_appeal_around_now(now: datetime) -> None:
    now = now.astimezone(UTC)
    bounds = stage_bounds(now, NEW_YEAR, MSK)
    for offset in range(-40, 60):
        day = now.astimezone(MSK).date() + timedelta(days=offset)
        due_at = end_of_day(day, MSK)
        stage = warning_stage(due_at, now, NEW_YEAR, MSK)
        assert (due_at < bounds.d5_before) == (stage is not None), day
        assert (due_at < bounds.d1_before) == (stage in (WarningStage.D1, WarningStage.OVERDUE)), (
            day
        )
        assert (due_at < now) == (stage is WarningStage.OVERDUE), day
        for hour in (0, 13, 23):
            registered_at = datetime.combine(day, datetime.min.time(), tzinfo=MSK).replace(
                hour=hour
            )
            expected = early_warning_due(
                registered_at=registered_at, now=now, calendar=NEW_YEAR, zone=MSK
            )
            found = bounds.early_from <= registered_at < bounds.early_before
            assert found == expected, registered_at
