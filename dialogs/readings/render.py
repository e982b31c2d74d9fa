"""What the readings dialog shows: zones by the names people know, consumption lines, the
period a reading counts for, the receipt and the history. Also used by the staff chat."""

from __future__ import annotations

from datetime import datetime

from core.config import AppConfig
from core.texts import Texts
from domain.accounts import Account
from domain.errors import DomainError
from domain.readings import (
    ImplausibleNotConfirmed,
    PeriodDecision,
    ReadingBelowLast,
    ReadingTooManyDecimals,
    ReadingTooManyDigits,
    ReadingZonesMismatch,
    RolloverNotConfirmed,
    WindowPosition,
    ZoneAssessment,
    format_value,
    parse_period,
    zone_name_key,
)
from handlers.render import local_time
from services.readings import MeterHistory, Receipt


def zone_label(texts: Texts, zones: int, zone: int) -> str:
    """«Показание», «Т1 «день»»…; a zone the registry no longer has is shown by number."""
    try:
        return texts.get(zone_name_key(zones, zone))
    except ValueError:
        return f"T{zone}"


def period_text(texts: Texts, period: str) -> str:
    year, month = parse_period(period)
    return texts.get("reading-period", month=texts.get(f"reading-month-{month}"), year=str(year))


def error_text(texts: Texts, error: DomainError, *, zones: int | None = None) -> str:
    """What a person (or a staff member) is told about a refused reading. Also for the staff
    chat: pass the meter's zone count to name the zones as people know them."""

    def name(zone: int) -> str:
        return zone_label(texts, zones, zone) if zones else f"T{zone}"

    if isinstance(error, ReadingTooManyDecimals):
        return texts.get(error.text_key, max=error.limit)
    if isinstance(error, ReadingTooManyDigits):
        return texts.get(error.text_key, digits=error.digits)
    if isinstance(error, ReadingBelowLast | RolloverNotConfirmed):
        return texts.get(
            error.text_key, zone=name(error.zone), last=format_value(error.last_milli)
        )
    if isinstance(error, ImplausibleNotConfirmed):
        return texts.get(
            error.text_key,
            zone=name(error.zone),
            consumption=format_value(error.consumption_milli),
        )
    if isinstance(error, ReadingZonesMismatch):
        return texts.get(error.text_key, count=error.zones)
    return texts.get(error.text_key, **error.text_args)  # e.g. a file's limit


def day_text(moment: datetime, config: AppConfig) -> str:
    return moment.astimezone(config.zone).strftime("%d.%m.%Y")


def zone_line(texts: Texts, zones: int, line: ZoneAssessment, config: AppConfig) -> str:
    zone = zone_label(texts, zones, line.zone)
    value = format_value(line.value_milli)
    if line.last is None or line.consumption_milli is None:
        return texts.get("reading-line-first", zone=zone, value=value)
    key = "reading-line-rollover" if line.rollover else "reading-line-consumption"
    return texts.get(
        key,
        zone=zone,
        value=value,
        consumption=format_value(line.consumption_milli),
        date=day_text(line.last.at, config),
    )


def period_note(texts: Texts, decision: PeriodDecision, *, sent: bool) -> str | None:
    """Outside the acceptance window: which period the reading counts for, and why; worded
    for the state the readings are in (`sent`: accepted, else still to check and send)."""
    period = period_text(texts, decision.period)
    state = "sent" if sent else "draft"
    if decision.position is WindowPosition.BEFORE:
        return texts.get(
            "reading-note-before",
            start=str(decision.opens.day),
            end=str(decision.closes.day),
            period=period,
            state=state,
        )
    if decision.position is WindowPosition.AFTER:
        return texts.get(
            "reading-note-after", end=str(decision.closes.day), period=period, state=state
        )
    return None


def receipt_text(texts: Texts, receipt: Receipt, zones: int, config: AppConfig) -> str:
    reading = receipt.reading
    lines = [
        texts.get("reading-receipt-title"),
        texts.get("reading-receipt-number", reference=receipt.reference),
        texts.get(
            "reading-meter-line", account=reading.account_number, serial=reading.meter_serial
        ),
        *(zone_line(texts, zones, line, config) for line in receipt.lines),
        texts.get("reading-receipt-time", time=local_time(reading.submitted_at, config.zone)),
        texts.get("reading-receipt-period", period=period_text(texts, receipt.period.period)),
    ]
    note = period_note(texts, receipt.period, sent=True)
    if note:
        lines.append(note)
    return "\n".join(lines)


def address_text(account: Account) -> str:
    address = account.address
    house = f"{address.house}-{address.flat}" if address.flat else address.house
    return ", ".join(part for part in (address.settlement, address.street, house) if part)


def history_text(texts: Texts, history: MeterHistory, config: AppConfig) -> str:
    zones = history.meter.zones
    lines = [
        texts.get(
            "reading-history-meter", account=history.account_number, serial=history.meter.serial
        )
    ]
    if not history.readings:
        lines.append(texts.get("reading-history-meter-empty"))
    for reading in history.readings:
        values = "; ".join(
            f"{zone_label(texts, zones, value.zone)}: {format_value(value.value_milli)}"
            for value in sorted(reading.values, key=lambda v: v.zone)
        )
        lines.append(
            texts.get(
                "reading-history-item",
                date=day_text(reading.submitted_at, config),
                values=values,
                channel=texts.get(f"reading-channel-{reading.channel.value.replace('_', '-')}"),
                reference=reading.reference or "",
            )
        )
    return "\n".join(lines)
