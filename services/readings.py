"""Meter readings (SPEC §5; regulation §10.3, §10.5): a person sends them from the bot for a
meter of a linked account; staff enter those given by phone or in person; billing gets a
CSV export per month. The rules live in domain/readings.py; this is the use cases."""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from domain.accounts import Account, Meter, normalize_account_number
from domain.clock import Clock
from domain.drafts import DraftKind, DraftToken
from domain.errors import ConsentRequired
from domain.ids import AccountNumber, UserId
from domain.readings import (
    HISTORY_SIZE,
    STAFF_CHANNELS,
    MeterNotFound,
    PeriodDecision,
    Reading,
    ReadingChannel,
    ReadingId,
    ReadingWindow,
    ZoneAssessment,
    ZonePoint,
    ZoneValue,
    assess,
    check_zones,
    format_period,
    format_reference,
    parse_period,
    parse_value,
    period_for,
    plain_value,
    require_confirmed,
    zone_history,
)
from domain.spreadsheet import csv_writer
from services.ports import (
    AccountLinks,
    AccountRegistry,
    Consents,
    ReadingRepository,
    SubmittedDrafts,
)


@dataclass(frozen=True, slots=True)
class ReadingPolicy:
    window: ReadingWindow
    zone: ZoneInfo
    implausible_factor: Fraction
    reference_prefix: str
    history_size: int = HISTORY_SIZE


@dataclass(frozen=True, slots=True)
class ZoneEntry:
    """One zone's value as the dialog collected it, with the person's answers to the
    questions the checks asked."""

    value_milli: int
    rollover: bool = False
    implausible_confirmed: bool = False


@dataclass(frozen=True, slots=True)
class Preview:
    """What the person confirms: each zone with its consumption, and the billing period."""

    account_number: AccountNumber
    meter: Meter
    lines: tuple[ZoneAssessment, ...]
    period: PeriodDecision


@dataclass(frozen=True, slots=True)
class Receipt:
    reading: Reading
    lines: tuple[ZoneAssessment, ...]
    period: PeriodDecision

    @property
    def reference(self) -> str:
        assert self.reading.reference is not None
        return self.reading.reference


@dataclass(frozen=True, slots=True)
class MeterHistory:
    account_number: AccountNumber
    meter: Meter
    readings: list[Reading]  # newest first, at most the policy's history size


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One zone value of one submission, as billing reads it."""

    account_number: str
    meter_serial: str
    zone: int
    value_milli: int
    submitted_at: datetime
    channel: ReadingChannel
    reference: str
    period: str


EXPORT_HEADER = ("account", "meter", "zone", "value", "submitted_at", "channel", "reference")


def readings_csv(rows: Sequence[ExportRow], *, zone: ZoneInfo) -> bytes:
    """The billing export: UTF-8 with a BOM (so that Excel shows the Cyrillic reference
    prefix), comma-separated, one row per zone value; the value in kWh with a decimal point;
    the time in the company's zone as YYYY-MM-DD HH:MM."""
    buffer = io.StringIO()
    # Registry values (a meter serial "=1+1") are kept from running as formulas.
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        writer.writerow(
            (
                row.account_number,
                row.meter_serial,
                row.zone,
                plain_value(row.value_milli),
                row.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                row.channel.value,
                row.reference,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


class ReadingService:
    def __init__(
        self,
        *,
        readings: ReadingRepository,
        consents: Consents,
        links: AccountLinks,
        registry: AccountRegistry,
        clock: Clock,
        policy: ReadingPolicy,
        drafts: SubmittedDrafts | None = None,
    ) -> None:
        self._drafts = drafts
        self._readings = readings
        self._consents = consents
        self._links = links
        self._registry = registry
        self._clock = clock
        self._policy = policy

    # -- the person's side --------------------------------------------------------------

    async def accounts(self, user_id: UserId) -> list[Account]:
        """The person's linked accounts (consent first, SPEC §1); those without a meter in
        the registry are included, the dialog tells the person about them."""
        await self._require_consent(user_id)
        return [item.account for item in await self._links.linked(user_id)]

    def period_now(self) -> PeriodDecision:
        return period_for(self._clock.now(), self._policy.zone, self._policy.window)

    async def last_values(
        self, user_id: UserId, *, account_number: str, serial: str
    ) -> dict[int, ZonePoint]:
        """The last accepted value of each zone of one of the person's own meters."""
        account, meter = await self._own_meter(user_id, account_number, serial)
        readings = await self._readings.recent(account.number, meter.serial, limit=1)
        return {
            zone: points[-1]
            for zone in range(1, meter.zones + 1)
            if (points := zone_history(readings, zone))
        }

    async def check_value(
        self,
        user_id: UserId,
        *,
        account_number: str,
        serial: str,
        zone: int,
        raw: str,
        rollover: bool = False,
        implausible_confirmed: bool = False,
    ) -> ZoneAssessment:
        """One zone's typed value, checked: refusals raise, questions come back in `needs`."""
        account, meter = await self._own_meter(user_id, account_number, serial)
        if not 1 <= zone <= meter.zones:
            raise MeterNotFound("no such zone")
        value = parse_value(raw)
        history = await self._history(account.number, meter.serial)
        return self._assess(
            meter, zone, value, history, rollover=rollover, implausible=implausible_confirmed
        )

    async def preview(
        self,
        user_id: UserId,
        *,
        account_number: str,
        serial: str,
        entries: Mapping[int, ZoneEntry],
    ) -> Preview:
        account, meter = await self._own_meter(user_id, account_number, serial)
        lines = await self._checked(account.number, meter, entries)
        return Preview(account.number, meter, lines, self.period_now())

    async def submit(
        self,
        user_id: UserId,
        *,
        account_number: str,
        serial: str,
        entries: Mapping[int, ZoneEntry],
        photo_file_id: str | None = None,
        token: DraftToken | None = None,
    ) -> Receipt:
        """Store the reading sent from the bot; every check runs again on what is stored.
        `token` (the confirmation's, domain/drafts.py) is stored with it for `submitted`."""
        account, meter = await self._own_meter(user_id, account_number, serial)
        lines = await self._checked(account.number, meter, entries)
        receipt = await self._store(
            account.number,
            meter,
            lines,
            channel=ReadingChannel.BOT,
            user_id=user_id,
            photo_file_id=photo_file_id,
        )
        reading = receipt.reading
        if token is not None and self._drafts is not None and reading.id is not None:
            await self._drafts.remember(
                DraftKind.READING, token, reading.id, at=reading.submitted_at
            )
        return receipt

    async def submitted(self, user_id: UserId, token: DraftToken) -> Reading | None:
        """The person's reading that the draft with this token became, if it was sent."""
        if self._drafts is None:
            return None
        reading_id = await self._drafts.record_of(DraftKind.READING, token)
        if reading_id is None:
            return None
        reading = await self._readings.get(ReadingId(reading_id))
        return reading if reading is not None and reading.user_id == user_id else None

    async def history(self, user_id: UserId) -> list[MeterHistory]:
        """The last readings of every meter of the person's linked accounts."""
        await self._require_consent(user_id)
        result = []
        for item in await self._links.linked(user_id):
            account = item.account
            for meter in account.meters:
                readings = await self._readings.recent(
                    account.number, meter.serial, limit=self._policy.history_size
                )
                result.append(MeterHistory(account.number, meter, readings))
        return result

    # -- staff ---------------------------------------------------------------------------

    async def register_by_staff(
        self,
        account: str,
        serial: str,
        values: Mapping[int, str],
        *,
        channel: ReadingChannel,
        staff_id: int,
        rollover: Collection[int] = (),
        confirm_implausible: bool = False,
        photo_file_id: str | None = None,
    ) -> Receipt:
        """A reading given by phone or in person, entered by staff (§10.3): the same checks
        as in the bot. `values` are as typed ("12 345,6"), by zone (1..3); a counter past
        zero is accepted for the zones in `rollover`, implausible consumption with
        `confirm_implausible`; otherwise RolloverNotConfirmed / ImplausibleNotConfirmed say
        what to ask the consumer."""
        if channel not in STAFF_CHANNELS:
            raise ValueError("staff enter readings given by phone or in person")
        number = normalize_account_number(account)
        found = await self._registry.get(number)
        meter = _meter_of(found, serial.strip()) if found is not None else None
        if found is None or meter is None:
            raise MeterNotFound("no such meter on the account")
        check_zones(meter.zones, values)
        entries = {
            zone: ZoneEntry(
                parse_value(raw),
                rollover=zone in rollover,
                implausible_confirmed=confirm_implausible,
            )
            for zone, raw in values.items()
        }
        lines = await self._checked(found.number, meter, entries)
        return await self._store(found.number, meter, lines, channel=channel, staff_id=staff_id)

    async def export(self, period: str) -> list[ExportRow]:
        """Every value counted for a billing month ("2026-11"), for billing: by account,
        meter, time and zone. A meter read twice in a month has both rows; the later one is
        the one to bill."""
        year, month = parse_period(period)
        wanted = format_period(year, month)
        rows: list[ExportRow] = []
        for reading in await self._readings.for_period(wanted):
            assert reading.reference is not None
            rows.extend(
                ExportRow(
                    account_number=reading.account_number,
                    meter_serial=reading.meter_serial,
                    zone=value.zone,
                    value_milli=value.value_milli,
                    submitted_at=reading.submitted_at,
                    channel=reading.channel,
                    reference=reading.reference,
                    period=reading.period,
                )
                for value in sorted(reading.values, key=lambda v: v.zone)
            )
        return rows

    # -- shared --------------------------------------------------------------------------

    async def _require_consent(self, user_id: UserId) -> None:
        record = await self._consents.current(user_id)
        if record is None or not record.is_active:
            raise ConsentRequired()

    async def _own_meter(
        self, user_id: UserId, account_number: str, serial: str
    ) -> tuple[Account, Meter]:
        """A meter of one of the person's linked accounts; anything else is "not found"."""
        await self._require_consent(user_id)
        for item in await self._links.linked(user_id):
            if item.account.number == account_number:
                meter = _meter_of(item.account, serial)
                if meter is not None:
                    return item.account, meter
        raise MeterNotFound("not the person's meter")

    async def _history(self, account_number: AccountNumber, serial: str) -> list[Reading]:
        return await self._readings.recent(account_number, serial, limit=self._policy.history_size)

    def _assess(
        self,
        meter: Meter,
        zone: int,
        value_milli: int,
        history: Sequence[Reading],
        *,
        rollover: bool,
        implausible: bool,
    ) -> ZoneAssessment:
        return assess(
            zone=zone,
            value_milli=value_milli,
            digits=meter.digits,
            history=zone_history(history, zone),
            at=self._clock.now(),
            factor=self._policy.implausible_factor,
            rollover_confirmed=rollover,
            implausible_confirmed=implausible,
        )

    async def _checked(
        self, account_number: AccountNumber, meter: Meter, entries: Mapping[int, ZoneEntry]
    ) -> tuple[ZoneAssessment, ...]:
        check_zones(meter.zones, entries)
        history = await self._history(account_number, meter.serial)
        lines = []
        for zone in sorted(entries):
            entry = entries[zone]
            line = self._assess(
                meter,
                zone,
                entry.value_milli,
                history,
                rollover=entry.rollover,
                implausible=entry.implausible_confirmed,
            )
            require_confirmed(line)
            lines.append(line)
        return tuple(lines)

    async def _store(
        self,
        account_number: AccountNumber,
        meter: Meter,
        lines: tuple[ZoneAssessment, ...],
        *,
        channel: ReadingChannel,
        user_id: UserId | None = None,
        staff_id: int | None = None,
        photo_file_id: str | None = None,
    ) -> Receipt:
        now = self._clock.now()
        decision = period_for(now, self._policy.zone, self._policy.window)
        reading = Reading(
            id=None,
            reference=None,
            account_number=account_number,
            meter_serial=meter.serial,
            period=decision.period,
            submitted_at=now,
            channel=channel,
            values=tuple(ZoneValue(line.zone, line.value_milli, line.rollover) for line in lines),
            user_id=user_id,
            staff_id=staff_id,
            photo_file_id=photo_file_id,
        )
        reading_id = await self._readings.add(reading)
        reference = format_reference(
            self._policy.reference_prefix, now.astimezone(self._policy.zone).year, reading_id
        )
        await self._readings.set_reference(reading_id, reference)
        stored = replace(reading, id=reading_id, reference=reference)
        return Receipt(stored, lines, decision)


def _meter_of(account: Account, serial: str) -> Meter | None:
    return next((meter for meter in account.meters if meter.serial == serial), None)
