"""ReadingService with in-memory fakes and a fixed clock (SPEC §5; regulation §10.3, §10.5)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from domain.accounts import Account, AccountCategory, Address, Meter
from domain.clock import FixedClock
from domain.consent import ConsentDecision, ConsentRecord
from domain.errors import ConsentRequired
from domain.ids import AccountNumber, UserId
from domain.readings import (
    Confirmation,
    ImplausibleNotConfirmed,
    MeterNotFound,
    Reading,
    ReadingBelowLast,
    ReadingChannel,
    ReadingId,
    ReadingNotANumber,
    ReadingTooManyDigits,
    ReadingWindow,
    ReadingZonesMismatch,
    RolloverNotConfirmed,
    WindowPosition,
)
from services.readings import (
    EXPORT_HEADER,
    ReadingPolicy,
    ReadingService,
    ZoneEntry,
    readings_csv,
)
from tests.fakes import FakeConsents, FakeLinks, FakeRegistry

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, inside the window
POLICY = ReadingPolicy(
    window=ReadingWindow(15, 25),
    zone=MOSCOW,
    implausible_factor=Fraction(3),
    reference_prefix="П",
)
USER = UserId(7)
STRANGER = UserId(8)
SINGLE = Meter(serial="022345678", digits=5, zones=1)
DAY_NIGHT = Meter(serial="011234567", digits=6, zones=2)


def _account(number: str, *meters: Meter) -> Account:
    return Account(
        number=AccountNumber(number),
        full_name="Петров Сергей Иванович",
        address=Address("Выкса", "ул. Островского", "7"),
        category=AccountCategory.HOUSEHOLD,
        meters=meters,
    )


class FakeReadings:
    def __init__(self) -> None:
        self.stored: list[Reading] = []

    async def add(self, reading: Reading) -> ReadingId:
        reading_id = ReadingId(len(self.stored) + 1)
        self.stored.append(replace(reading, id=reading_id))
        return reading_id

    async def set_reference(self, reading_id: ReadingId, reference: str) -> None:
        index = reading_id - 1
        self.stored[index] = replace(self.stored[index], reference=reference)

    async def recent(
        self, account_number: AccountNumber, serial: str, *, limit: int
    ) -> list[Reading]:
        mine = [
            r
            for r in self.stored
            if r.account_number == account_number and r.meter_serial == serial
        ]
        mine.sort(key=lambda r: (r.submitted_at, r.id or 0), reverse=True)
        return mine[:limit]

    async def of_account(self, account_number: AccountNumber, *, limit: int) -> list[Reading]:
        mine = [r for r in self.stored if r.account_number == account_number]
        mine.sort(key=lambda r: (r.submitted_at, r.id or 0), reverse=True)
        return mine[:limit]

    async def for_period(self, period: str) -> list[Reading]:
        found = [r for r in self.stored if r.period == period]
        return sorted(
            found, key=lambda r: (r.account_number, r.meter_serial, r.submitted_at, r.id or 0)
        )

    async def get(self, reading_id: ReadingId) -> Reading | None:
        return next((r for r in self.stored if r.id == reading_id), None)


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.registry = FakeRegistry(
            [_account("1000000002", SINGLE), _account("1000000001", DAY_NIGHT)]
        )
        self.links = FakeLinks(self.registry)
        self.consents = FakeConsents()
        self.readings = FakeReadings()
        self.service = ReadingService(
            readings=self.readings,
            consents=self.consents,
            links=self.links,
            registry=self.registry,
            clock=self.clock,
            policy=POLICY,
        )

    async def consent_and_link(self, user_id: UserId, *numbers: str) -> None:
        await self.consents.record(
            ConsentRecord(user_id, ConsentDecision.GIVEN, "v1", self.clock.now())
        )
        for number in numbers:
            account = self.registry.accounts[AccountNumber(number)]
            await self.links.link(user_id, account, at=self.clock.now())

    async def seed(self, serial: str, number: str, values: list[int], *, days_ago: int) -> None:
        """A reading entered by staff `days_ago` days ago, bypassing nothing: same checks."""
        at = self.clock.now()
        self.clock.advance(timedelta(days=-days_ago))
        try:
            await self.service.register_by_staff(
                number,
                serial,
                {zone: str(v) for zone, v in enumerate(values, start=1)},
                channel=ReadingChannel.PHONE,
                staff_id=1,
                confirm_implausible=True,
            )
        finally:
            self.clock.advance(at - self.clock.now())


@pytest.fixture
async def world() -> World:
    w = World()
    await w.consent_and_link(USER, "1000000002", "1000000001")
    return w


async def test_nothing_without_consent(world: World) -> None:
    with pytest.raises(ConsentRequired):
        await world.service.accounts(STRANGER)
    await world.consents.record(
        ConsentRecord(USER, ConsentDecision.WITHDRAWN, "v1", world.clock.now())
    )
    with pytest.raises(ConsentRequired):
        await world.service.check_value(
            USER, account_number="1000000002", serial=SINGLE.serial, zone=1, raw="1"
        )


async def test_another_persons_meter_is_not_found(world: World) -> None:
    await world.consent_and_link(STRANGER, "1000000001")
    with pytest.raises(MeterNotFound):
        await world.service.check_value(
            STRANGER, account_number="1000000002", serial=SINGLE.serial, zone=1, raw="1"
        )
    with pytest.raises(MeterNotFound):
        await world.service.check_value(
            USER, account_number="1000000002", serial="999", zone=1, raw="1"
        )


async def test_a_first_reading_is_stored_with_channel_time_period_and_reference(
    world: World,
) -> None:
    receipt = await world.service.submit(
        USER,
        account_number="1000000001",
        serial=DAY_NIGHT.serial,
        entries={1: ZoneEntry(12_345_600), 2: ZoneEntry(5_432_000)},
        photo_file_id="photo-1",
    )
    stored = world.readings.stored[0]
    assert receipt.reference == "П-2026-000001" == stored.reference
    assert stored.channel is ReadingChannel.BOT
    assert stored.user_id == USER
    assert stored.submitted_at == NOW
    assert stored.period == "2026-11"
    assert stored.photo_file_id == "photo-1"
    assert [(v.zone, v.value_milli) for v in stored.values] == [(1, 12_345_600), (2, 5_432_000)]
    assert all(line.consumption_milli is None for line in receipt.lines)


async def test_a_reading_needs_every_zone_of_the_meter(world: World) -> None:
    with pytest.raises(ReadingZonesMismatch):
        await world.service.submit(
            USER,
            account_number="1000000001",
            serial=DAY_NIGHT.serial,
            entries={1: ZoneEntry(1)},
        )
    assert world.readings.stored == []


async def test_reading_below_last_value_is_refused(world: World) -> None:
    await world.seed(SINGLE.serial, "1000000002", [50_000], days_ago=30)
    with pytest.raises(ReadingBelowLast):
        await world.service.check_value(
            USER, account_number="1000000002", serial=SINGLE.serial, zone=1, raw="49 999"
        )
    with pytest.raises(ReadingBelowLast):
        await world.service.submit(
            USER,
            account_number="1000000002",
            serial=SINGLE.serial,
            entries={1: ZoneEntry(49_999_000, rollover=True)},
        )
    assert len(world.readings.stored) == 1


async def test_typed_values_are_parsed_and_fitted_to_the_meter(world: World) -> None:
    with pytest.raises(ReadingNotANumber):
        await world.service.check_value(
            USER, account_number="1000000002", serial=SINGLE.serial, zone=1, raw="12 кВт"
        )
    with pytest.raises(ReadingTooManyDigits):
        await world.service.check_value(
            USER, account_number="1000000002", serial=SINGLE.serial, zone=1, raw="123456"
        )
    line = await world.service.check_value(
        USER, account_number="1000000002", serial=SINGLE.serial, zone=1, raw="12 345,6"
    )
    assert line.value_milli == 12_345_600


async def test_a_rollover_must_be_confirmed_before_it_is_stored(world: World) -> None:
    await world.seed(SINGLE.serial, "1000000002", [99_500], days_ago=30)
    line = await world.service.check_value(
        USER, account_number="1000000002", serial=SINGLE.serial, zone=1, raw="120"
    )
    assert line.needs is Confirmation.ROLLOVER
    with pytest.raises(RolloverNotConfirmed):
        await world.service.submit(
            USER,
            account_number="1000000002",
            serial=SINGLE.serial,
            entries={1: ZoneEntry(120_000)},
        )
    receipt = await world.service.submit(
        USER,
        account_number="1000000002",
        serial=SINGLE.serial,
        entries={1: ZoneEntry(120_000, rollover=True)},
    )
    assert receipt.lines[0].consumption_milli == 620_000
    assert receipt.reading.values[0].rollover


async def test_implausible_consumption_is_stored_only_once_confirmed(world: World) -> None:
    for days_ago, value in ((95, 1_000), (65, 1_200), (35, 1_400)):
        await world.seed(SINGLE.serial, "1000000002", [value], days_ago=days_ago)
    line = await world.service.check_value(
        USER, account_number="1000000002", serial=SINGLE.serial, zone=1, raw="3000"
    )
    assert line.needs is Confirmation.IMPLAUSIBLE
    with pytest.raises(ImplausibleNotConfirmed):
        await world.service.submit(
            USER,
            account_number="1000000002",
            serial=SINGLE.serial,
            entries={1: ZoneEntry(3_000_000)},
        )
    receipt = await world.service.submit(
        USER,
        account_number="1000000002",
        serial=SINGLE.serial,
        entries={1: ZoneEntry(3_000_000, implausible_confirmed=True)},
    )
    assert receipt.lines[0].consumption_milli == 1_600_000


async def test_outside_the_window_the_reading_is_kept_for_the_next_period(world: World) -> None:
    world.clock.advance(timedelta(days=3))  # 27.11
    decision = world.service.period_now()
    assert decision.position is WindowPosition.AFTER
    receipt = await world.service.submit(
        USER,
        account_number="1000000002",
        serial=SINGLE.serial,
        entries={1: ZoneEntry(1_000)},
    )
    assert receipt.reading.period == "2026-12"
    assert receipt.period.position is WindowPosition.AFTER


async def test_staff_register_by_phone_with_the_same_checks(world: World) -> None:
    await world.seed(DAY_NIGHT.serial, "1000000001", [950_000, 400_000], days_ago=30)
    with pytest.raises(RolloverNotConfirmed):
        await world.service.register_by_staff(
            "1000000001",
            DAY_NIGHT.serial,
            {1: "1 000", 2: "400 100"},
            channel=ReadingChannel.PHONE,
            staff_id=42,
        )
    receipt = await world.service.register_by_staff(
        " 1000000001 ",
        DAY_NIGHT.serial,
        {1: "1 000", 2: "400 100"},
        channel=ReadingChannel.IN_PERSON,
        staff_id=42,
        rollover={1},
    )
    stored = receipt.reading
    assert stored.channel is ReadingChannel.IN_PERSON
    assert (stored.staff_id, stored.user_id) == (42, None)
    assert [line.consumption_milli for line in receipt.lines] == [51_000_000, 100_000]
    with pytest.raises(MeterNotFound):
        await world.service.register_by_staff(
            "1000000001", "nope", {1: "1"}, channel=ReadingChannel.PHONE, staff_id=42
        )
    with pytest.raises(ValueError, match="phone or in person"):
        await world.service.register_by_staff(
            "1000000001", DAY_NIGHT.serial, {1: "1"}, channel=ReadingChannel.BOT, staff_id=42
        )


async def test_history_shows_at_most_twelve_readings_per_meter_newest_first(
    world: World,
) -> None:
    for month in range(14):
        await world.seed(
            SINGLE.serial, "1000000002", [100 * (month + 1)], days_ago=420 - 30 * month
        )
    histories = await world.service.history(USER)
    assert [(h.account_number, h.meter.serial) for h in histories] == [
        ("1000000002", SINGLE.serial),
        ("1000000001", DAY_NIGHT.serial),
    ]
    single = histories[0].readings
    assert len(single) == 12
    assert [r.values[0].value_milli for r in single] == [100_000 * m for m in range(14, 2, -1)]
    assert histories[1].readings == []


async def test_export_lists_every_zone_value_of_the_period_and_builds_the_csv(
    world: World,
) -> None:
    await world.service.submit(
        USER,
        account_number="1000000001",
        serial=DAY_NIGHT.serial,
        entries={1: ZoneEntry(12_345_600), 2: ZoneEntry(5_432_000)},
    )
    world.clock.advance(timedelta(days=3))  # counts for December
    await world.service.submit(
        USER, account_number="1000000002", serial=SINGLE.serial, entries={1: ZoneEntry(1_000)}
    )
    rows = await world.service.export("2026-11")
    assert [(r.account_number, r.zone, r.value_milli) for r in rows] == [
        ("1000000001", 1, 12_345_600),
        ("1000000001", 2, 5_432_000),
    ]
    data = readings_csv(rows, zone=MOSCOW)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(table[0]) == EXPORT_HEADER
    assert table[1] == [
        "1000000001",
        DAY_NIGHT.serial,
        "1",
        "12345.6",
        "2026-11-24 10:00",
        "bot",
        "П-2026-000001",
    ]
    assert len(await world.service.export("2026-12")) == 1
    assert await world.service.export("2026-10") == []
