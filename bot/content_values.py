"""What the reference pages' placeholders say (domain/content_truth.py): the office hours as
the OFFICE_HOURS setting gives them and the readings window as READINGS_WINDOW_* do, so a page
cannot contradict the booking or the readings the bot accepts."""

from __future__ import annotations

from bot.settings import Settings
from core.texts import Texts
from dialogs.booking.render import hours_text
from domain.booking import parse_office_hours
from domain.content_truth import (
    OFFICE_HOURS,
    OFFICE_WEEK_HOURS,
    READINGS_END_DAY,
    READINGS_START_DAY,
)


def content_values(settings: Settings, texts: Texts) -> dict[str, str]:
    hours = parse_office_hours(settings.booking.office_hours)
    minutes = hours.week_minutes
    return {
        OFFICE_HOURS: hours_text(texts, hours),
        OFFICE_WEEK_HOURS: texts.plain(
            "content-week-hours", hours=minutes // 60, minutes=minutes % 60
        ),
        READINGS_START_DAY: str(settings.readings.window_start_day),
        READINGS_END_DAY: str(settings.readings.window_end_day),
    }
