"""Meter readings (показания приборов учёта, SPEC §5; regulation §10.3, §10.5): parsing what
people type, the checks a value must pass, consumption, and which billing period a reading
counts for. Pure: every rule takes `now` (and the company's time zone) from the caller.

Values are kept as integer thousandths of a kWh (`value_milli`): 12 345,6 kWh is 12345600,
exact and compared as an integer.

The checks, written down once:
- A number: digits with an optional decimal part after "," or "."; the integer part may be
  grouped by thousands with spaces ("12 345,6"). Letters, signs and more than three decimals
  are refused, each with its own message.
- It fits the meter: the integer part has at most `digits` digits (leading zeros do not
  count: "012345" is 12345).
- Not lower than the last accepted value of the zone, unless the counter went past zero:
  that is plausible only when the last value is in the top tenth of the drum
  (>= 0.9 × 10^digits); the person (or staff) must confirm it. A lower value with the last
  value anywhere else is refused as a typo.
- Implausible consumption asks to confirm (never refuses): above `factor` × the average
  monthly consumption of that zone. The average needs at least two earlier readings spanning
  at least MIN_HISTORY_SPAN (two readings a day apart say nothing about a month) and a
  non-zero consumption between them. A reading sent after a longer gap is compared with
  `factor` × average × the months elapsed since the last reading (at least one month), so
  that a reading after three months away is not a false alarm.

The acceptance window and the billing period (the rule the receipt and the export use):
- The window is `start_day`..`end_day` of every month, inclusive, on the company's calendar
  (its time zone); an end day beyond the month's length means its last day.
- A reading counts for the billing month whose window has not closed yet: sent on or before
  the `end_day` of month M it counts for M; sent after the window closes it counts for M+1
  (December's late readings count for January of the next year).
- So inside the window it counts for the current month; before the window (days 1 to
  start_day-1) it is kept and counts for the current month as well, taken into billing when
  that month's window closes; after the window it counts for the next month. In every case
  it is stored, and the person is told which period it counts for.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import NewType
from zoneinfo import ZoneInfo

from domain.errors import DomainError
from domain.ids import AccountNumber, UserId

ReadingId = NewType("ReadingId", int)
"""The database id of a stored reading submission."""

MILLI = 1000
MAX_DECIMALS = 3
MIN_DIGITS = 4
MAX_DIGITS = 10
MAX_ZONES = 3
HISTORY_SIZE = 12  # SPEC §5: the last 12 readings per meter
# A rollover is believable only from the top tenth of the counter's range.
ROLLOVER_BAND = Fraction(1, 10)
# The mean Gregorian month, 365.2425 / 12 days, in seconds.
MONTH_SECONDS = 2_629_746
MIN_HISTORY_SPAN = timedelta(days=14)


class ReadingChannel(StrEnum):
    """How the reading reached the company."""

    BOT = "bot"
    PHONE = "phone"  # taken by staff over the phone
    IN_PERSON = "in_person"  # at the service office


STAFF_CHANNELS = frozenset({ReadingChannel.PHONE, ReadingChannel.IN_PERSON})


class Confirmation(StrEnum):
    """What a value needs before it is accepted."""

    ROLLOVER = "rollover"  # lower than the last value: did the counter go past zero?
    IMPLAUSIBLE = "implausible"  # far above the usual consumption: is it right?


class WindowPosition(StrEnum):
    BEFORE = "before"
    INSIDE = "inside"
    AFTER = "after"


# Errors: each maps to a text key (readings.ftl); none carries personal data.


class ReadingNotANumber(DomainError):
    text_key = "reading-error-not-number"


class ReadingNegative(DomainError):
    text_key = "reading-error-negative"


class ReadingTooManyDecimals(DomainError):
    text_key = "reading-error-decimals"

    def __init__(self, limit: int = MAX_DECIMALS) -> None:
        super().__init__(f"at most {limit} decimals")
        self.limit = limit


class ReadingTooManyDigits(DomainError):
    """The integer part is longer than the meter's counter."""

    text_key = "reading-error-digits"

    def __init__(self, digits: int) -> None:
        super().__init__(f"the meter shows at most {digits} digits")
        self.digits = digits


class ReadingBelowLast(DomainError):
    """Lower than the last accepted value, and a rollover is not believable: a typo."""

    text_key = "reading-error-below-last"

    def __init__(self, zone: int, last_milli: int) -> None:
        super().__init__(f"zone {zone}: lower than the last accepted value")
        self.zone = zone
        self.last_milli = last_milli


class RolloverNotConfirmed(DomainError):
    """Lower than the last value near the top of the counter: confirm the rollover."""

    text_key = "reading-error-rollover-unconfirmed"

    def __init__(self, zone: int, last_milli: int) -> None:
        super().__init__(f"zone {zone}: a rollover must be confirmed")
        self.zone = zone
        self.last_milli = last_milli


class ImplausibleNotConfirmed(DomainError):
    text_key = "reading-error-implausible-unconfirmed"

    def __init__(self, zone: int, consumption_milli: int, allowance_milli: int) -> None:
        super().__init__(f"zone {zone}: implausible consumption must be confirmed")
        self.zone = zone
        self.consumption_milli = consumption_milli
        self.allowance_milli = allowance_milli


class ReadingZonesMismatch(DomainError):
    """A value for every zone of the meter, and for no other zone."""

    text_key = "reading-error-zones"

    def __init__(self, zones: int) -> None:
        super().__init__(f"the meter has {zones} zones")
        self.zones = zones


class MeterNotFound(DomainError):
    """No such meter on the account, or not one of the person's own accounts: told apart to
    nobody."""

    text_key = "reading-error-meter-not-found"


class NoLinkedAccount(DomainError):
    text_key = "reading-error-no-account"


class InvalidPeriod(DomainError):
    text_key = "reading-error-period"


# Values ----------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")
_NUMBER_RE = re.compile(r"(?P<int>[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[.,](?P<frac>[0-9]+))?")
_NEGATIVE_RE = re.compile(r"[-\u2212\u2013\u2014] ?[0-9]")


def parse_value(raw: str) -> int:
    """Thousandths of a kWh from what people type: "12 345,6", "12345.6", "12345"."""
    text = _WHITESPACE.sub(" ", raw).strip()
    if _NEGATIVE_RE.match(text):
        raise ReadingNegative("a reading is not negative")
    match = _NUMBER_RE.fullmatch(text)
    if match is None:
        raise ReadingNotANumber("not a number")
    fraction = match["frac"] or ""
    if len(fraction) > MAX_DECIMALS:
        raise ReadingTooManyDecimals(MAX_DECIMALS)
    whole = int(match["int"].replace(" ", ""))
    return whole * MILLI + int(fraction.ljust(MAX_DECIMALS, "0"))


def format_value(value_milli: int, *, group: str = "\u00a0", point: str = ",") -> str:
    """12345600 → "12 345,6" (a no-break space between thousands, a decimal comma), the way
    Russian texts write numbers; `parse_value` reads it back."""
    if value_milli < 0:
        raise ValueError("a reading is not negative")
    whole, fraction = divmod(value_milli, MILLI)
    digits = str(whole)
    if len(digits) > 4:  # 1234 stays as it is, 12 345 is grouped
        head = len(digits) % 3 or 3
        groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
        digits = group.join(groups)
    if fraction:
        digits += point + f"{fraction:03d}".rstrip("0")
    return digits


def plain_value(value_milli: int) -> str:
    """12345600 → "12345.6": for files other programs read (the billing export)."""
    return format_value(value_milli, group="", point=".")


def counter_limit(digits: int) -> int:
    """The first value the counter cannot show, in thousandths: 10^digits kWh."""
    return int(10**digits) * MILLI


def check_digits(value_milli: int, digits: int) -> None:
    if value_milli >= counter_limit(digits):
        raise ReadingTooManyDigits(digits)


def rollover_plausible(last_milli: int, digits: int) -> bool:
    """The counter may have gone past zero only from the top tenth of its range."""
    return last_milli >= counter_limit(digits) * (1 - ROLLOVER_BAND)


def consumption(previous_milli: int, value_milli: int, *, digits: int, rollover: bool) -> int:
    """kWh (thousandths) used between two readings; past zero, what was left to the top of
    the counter plus the new value. A lower value without a rollover counts as nothing."""
    if rollover:
        return counter_limit(digits) - previous_milli + value_milli
    return max(0, value_milli - previous_milli)


# History and the checks ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZoneValue:
    zone: int  # 1..3: T1/T2/T3
    value_milli: int
    rollover: bool = False


@dataclass(frozen=True, slots=True)
class ZonePoint:
    """One accepted value of a zone, in the zone's history."""

    at: datetime
    value_milli: int
    rollover: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """One submission: a value per tariff zone of one meter."""

    id: ReadingId | None
    reference: str | None
    account_number: AccountNumber
    meter_serial: str
    period: str  # "YYYY-MM": the billing month it counts for
    submitted_at: datetime
    channel: ReadingChannel
    values: tuple[ZoneValue, ...]
    user_id: UserId | None = None
    staff_id: int | None = None
    photo_file_id: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.submitted_at)

    def value(self, zone: int) -> ZoneValue | None:
        return next((v for v in self.values if v.zone == zone), None)


def zone_history(readings: Sequence[Reading], zone: int) -> list[ZonePoint]:
    """The accepted values of one zone, oldest first, from readings in any order."""
    points = [
        ZonePoint(reading.submitted_at, value.value_milli, value.rollover)
        for reading in readings
        if (value := reading.value(zone)) is not None
    ]
    return sorted(points, key=lambda point: point.at)


def monthly_average(history: Sequence[ZonePoint], *, digits: int) -> Fraction | None:
    """The average consumption per (mean) month over the history, oldest first; None when
    the history is too short to say."""
    if len(history) < 2:
        return None
    span = (history[-1].at - history[0].at).total_seconds()
    if span < MIN_HISTORY_SPAN.total_seconds():
        return None
    total = sum(
        consumption(a.value_milli, b.value_milli, digits=digits, rollover=b.rollover)
        for a, b in pairwise(history)
    )
    if total <= 0:
        return None  # nothing used so far: any use would look implausible
    return Fraction(total) * MONTH_SECONDS / Fraction(span)


def allowance(
    history: Sequence[ZonePoint], *, digits: int, at: datetime, factor: Fraction
) -> int | None:
    """Consumption above this (thousandths) asks to confirm; None when history says nothing."""
    average = monthly_average(history, digits=digits)
    if average is None:
        return None
    return _allowance(average, last=history[-1], at=at, factor=factor)


def _allowance(average: Fraction, *, last: ZonePoint, at: datetime, factor: Fraction) -> int:
    elapsed = Fraction((at - last.at).total_seconds()) / MONTH_SECONDS
    return math.ceil(factor * average * max(Fraction(1), elapsed))


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneAssessment:
    """What the checks say about one zone's value."""

    zone: int
    value_milli: int
    last: ZonePoint | None
    rollover: bool
    consumption_milli: int | None  # None for the first reading of the zone
    average_milli: int | None  # the zone's average monthly consumption, when history tells
    allowance_milli: int | None
    needs: Confirmation | None = None


def assess(
    *,
    zone: int,
    value_milli: int,
    digits: int,
    history: Sequence[ZonePoint],
    at: datetime,
    factor: Fraction,
    rollover_confirmed: bool = False,
    implausible_confirmed: bool = False,
) -> ZoneAssessment:
    """Check one zone's value against the meter and the zone's history (oldest first).

    Refusals raise (too many digits, lower than the last value where a rollover is not
    believable); what a person may confirm comes back in `needs`, the rollover question
    before the consumption warning."""
    _require_aware(at)
    if value_milli < 0:
        raise ReadingNegative("a reading is not negative")
    check_digits(value_milli, digits)
    last = history[-1] if history else None
    if last is None:
        return ZoneAssessment(
            zone=zone,
            value_milli=value_milli,
            last=None,
            rollover=False,
            consumption_milli=None,
            average_milli=None,
            allowance_milli=None,
        )
    rollover = value_milli < last.value_milli
    if rollover and not rollover_plausible(last.value_milli, digits):
        raise ReadingBelowLast(zone, last.value_milli)
    used = consumption(last.value_milli, value_milli, digits=digits, rollover=rollover)
    average = monthly_average(history, digits=digits)
    limit = None if average is None else _allowance(average, last=last, at=at, factor=factor)
    needs = None
    if rollover and not rollover_confirmed:
        needs = Confirmation.ROLLOVER
    elif limit is not None and used > limit and not implausible_confirmed:
        needs = Confirmation.IMPLAUSIBLE
    return ZoneAssessment(
        zone=zone,
        value_milli=value_milli,
        last=last,
        rollover=rollover,
        consumption_milli=used,
        average_milli=None if average is None else round(average),
        allowance_milli=limit,
        needs=needs,
    )


def require_confirmed(assessment: ZoneAssessment) -> None:
    """For a whole submission: every question must already be answered."""
    if assessment.needs is Confirmation.ROLLOVER:
        assert assessment.last is not None
        raise RolloverNotConfirmed(assessment.zone, assessment.last.value_milli)
    if assessment.needs is Confirmation.IMPLAUSIBLE:
        assert assessment.consumption_milli is not None
        assert assessment.allowance_milli is not None
        raise ImplausibleNotConfirmed(
            assessment.zone, assessment.consumption_milli, assessment.allowance_milli
        )


def check_zones(zones: int, given: Sequence[int] | Mapping[int, object]) -> None:
    if sorted(given) != list(range(1, zones + 1)):
        raise ReadingZonesMismatch(zones)


# Tariff zones, by the names people know ---------------------------------------------------

_ZONE_NAMES: Mapping[int, tuple[str, ...]] = {
    1: ("single",),
    2: ("t1-day", "t2-night"),
    3: ("t1-peak", "t2-half-peak", "t3-night"),
}


def zone_name_key(zones: int, zone: int) -> str:
    """The text key of a zone's name: a single-zone meter has «показание»; two zones are
    T1 «день» and T2 «ночь»; three are T1 «пик», T2 «полупик», T3 «ночь»."""
    names = _ZONE_NAMES.get(zones)
    if names is None or not 1 <= zone <= zones:
        raise ValueError(f"no zone {zone} on a {zones}-zone meter")
    return f"reading-zone-{names[zone - 1]}"


def zone_name_keys() -> set[str]:
    return {f"reading-zone-{name}" for names in _ZONE_NAMES.values() for name in names}


# The acceptance window and the billing period ---------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadingWindow:
    """Days of the month readings are taken in, inclusive (settings, default 15–25)."""

    start_day: int
    end_day: int

    def __post_init__(self) -> None:
        if not 1 <= self.start_day <= self.end_day <= 31:
            raise ValueError("the readings window is 1 <= start day <= end day <= 31")

    def days_in(self, year: int, month: int) -> tuple[date, date]:
        """The window of a month; a day beyond the month's length is its last day."""
        last = calendar.monthrange(year, month)[1]
        return (
            date(year, month, min(self.start_day, last)),
            date(year, month, min(self.end_day, last)),
        )


@dataclass(frozen=True, slots=True)
class PeriodDecision:
    period: str  # "YYYY-MM": the billing month the reading counts for
    position: WindowPosition  # where `now` is relative to this month's window
    opens: date  # this month's window
    closes: date

    @property
    def inside(self) -> bool:
        return self.position is WindowPosition.INSIDE


def period_for(now: datetime, zone: ZoneInfo, window: ReadingWindow) -> PeriodDecision:
    """See the module docstring: on or before the window's last day, this month; after it,
    the next month."""
    _require_aware(now)
    today = now.astimezone(zone).date()
    opens, closes = window.days_in(today.year, today.month)
    if today < opens:
        position = WindowPosition.BEFORE
    elif today <= closes:
        position = WindowPosition.INSIDE
    else:
        position = WindowPosition.AFTER
    year, month = today.year, today.month
    if position is WindowPosition.AFTER:
        year, month = next_month(year, month)
    return PeriodDecision(format_period(year, month), position, opens, closes)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


_PERIOD_RE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")


def format_period(year: int, month: int) -> str:
    if not 1 <= month <= 12 or not 1000 <= year <= 9999:
        raise ValueError("not a month")
    return f"{year:04d}-{month:02d}"


def parse_period(text: str) -> tuple[int, int]:
    """(year, month) of "2026-11"."""
    match = _PERIOD_RE.fullmatch(text.strip())
    if match is None or not 1 <= int(match["month"]) <= 12 or int(match["year"]) < 1000:
        raise InvalidPeriod("expected YYYY-MM")
    return int(match["year"]), int(match["month"])


# References -------------------------------------------------------------------------------

_PREFIX_RE = re.compile(r"[^\W_]+")


def format_reference(prefix: str, year: int, reading_id: int) -> str:
    """`П-2026-000123`: a prefix (a setting or the locale's default), the local year of the
    submission, and the submission's id padded to six digits. The id is unique, so is the
    reference; it is readable over the phone."""
    if not _PREFIX_RE.fullmatch(prefix):
        raise ValueError("the prefix is letters and digits")
    if not 1000 <= year <= 9999:
        raise ValueError("the year has four digits")
    if reading_id < 1:
        raise ValueError("ids start at 1")
    return f"{prefix.upper()}-{year}-{reading_id:06d}"


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: use Clock.now()")
