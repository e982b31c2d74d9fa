""" "When was it received" for /register, in everyday Russian: «сегодня», «вчера», «3 дня
назад», «01.12», «01.12.2026», «в понедельник» — the one reader of typed past dates
(domain/when.py, core/when.py); 59-ФЗ ст. 8 ч. 2 counts from it."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.when import parse_when
from domain.errors import DomainError


def parse_received(text: str, *, now: datetime, zone: ZoneInfo) -> date | None:
    """The local day the appeal was received, or None for what is not a day, a day to come
    or a day over a year ago (domain/when.py: OLDEST_DAYS). A day and month without a year
    that lie ahead are last year's («31.12» typed on 2 January)."""
    try:
        when = parse_when(text, now=now, zone=zone)
    except DomainError:
        return None
    return when.start.astimezone(zone).date()


def received_moment(day: date, *, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The moment kept for a received day: None for today (received as registered), else
    the start of that local day."""
    if day == now.astimezone(zone).date():
        return None
    return datetime.combine(day, time(0), tzinfo=zone)
