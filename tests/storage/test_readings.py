"""Meter readings on the real database (SQLite, and PostgreSQL when TEST_DATABASE_URL says so)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.consent import ConsentDecision, ConsentRecord
from domain.ids import AccountNumber, UserId
from domain.readings import Reading, ReadingChannel, ReadingWindow, ZoneValue
from services.account_import import AccountImportService
from services.readings import ReadingPolicy, ReadingService, ZoneEntry
from storage.models import ReadingSubmissionRow, ReadingValueRow
from storage.readings import SqlReadingRepository
from storage.repositories import SqlAccountLinks, SqlAccountRegistry, SqlConsents
from storage.uow import UnitOfWork

USER = UserId(7_000_001)
POLICY = ReadingPolicy(
    window=ReadingWindow(15, 25),
    zone=ZoneInfo("Europe/Moscow"),
    implausible_factor=Fraction(3),
    reference_prefix="П",
)


async def _registry(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, registry_csv: bytes
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
        registry_csv, now=clock.now()
    )
    await uow.commit()


def _reading(
    clock: FixedClock, *values: int, days_ago: int = 0, period: str = "2026-11"
) -> Reading:
    return Reading(
        id=None,
        reference=None,
        account_number=AccountNumber("1000000001"),
        meter_serial="011234567",
        period=period,
        submitted_at=clock.now() - timedelta(days=days_ago),
        channel=ReadingChannel.BOT,
        values=tuple(ZoneValue(zone, v, rollover=zone == 2) for zone, v in enumerate(values, 1)),
        user_id=USER,
        photo_file_id="photo-x",
    )


async def test_readings_round_trip_with_values_reference_and_photo(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, registry_csv: bytes
) -> None:
    await _registry(sessionmaker, clock, registry_csv)
    uow = UnitOfWork(sessionmaker, clock=clock)
    repository = SqlReadingRepository(uow)
    first = await repository.add(_reading(clock, 1_000, 2_000, days_ago=40))
    await repository.set_reference(first, "П-2026-000001")
    # Read back in the same unit of work: the deferred writes go first.
    [again] = await repository.recent(AccountNumber("1000000001"), "011234567", limit=5)
    assert again.reference == "П-2026-000001"
    assert again.values == (ZoneValue(1, 1_000), ZoneValue(2, 2_000, rollover=True))
    await uow.commit()

    uow = UnitOfWork(sessionmaker, clock=clock)
    repository = SqlReadingRepository(uow)
    second = await repository.add(_reading(clock, 1_500, 2_500, days_ago=10))
    await repository.set_reference(second, "П-2026-000002")
    await uow.commit()

    uow = UnitOfWork(sessionmaker, clock=clock)
    repository = SqlReadingRepository(uow)
    recent = await repository.recent(AccountNumber("1000000001"), "011234567", limit=5)
    assert [r.id for r in recent] == [second, first]  # newest first
    newest = recent[0]
    assert newest.submitted_at == clock.now() - timedelta(days=10)
    assert newest.channel is ReadingChannel.BOT
    assert (newest.user_id, newest.staff_id, newest.photo_file_id) == (USER, None, "photo-x")
    assert [v.value_milli for v in newest.values] == [1_500, 2_500]
    assert len(await repository.recent(AccountNumber("1000000001"), "011234567", limit=1)) == 1
    assert await repository.recent(AccountNumber("1000000001"), "other", limit=5) == []
    await uow.rollback()


async def test_the_period_query_groups_values_by_submission_in_billing_order(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, registry_csv: bytes
) -> None:
    await _registry(sessionmaker, clock, registry_csv)
    uow = UnitOfWork(sessionmaker, clock=clock)
    repository = SqlReadingRepository(uow)
    later = await repository.add(_reading(clock, 3, 4, days_ago=1))
    earlier = await repository.add(_reading(clock, 1, 2, days_ago=2))
    await repository.add(_reading(clock, 9, 9, period="2026-12"))
    for reading_id in (later, earlier):
        await repository.set_reference(reading_id, f"П-2026-{reading_id:06d}")
    await uow.commit()

    uow = UnitOfWork(sessionmaker, clock=clock)
    found = await SqlReadingRepository(uow).for_period("2026-11")
    assert [r.id for r in found] == [earlier, later]
    assert [[v.value_milli for v in r.values] for r in found] == [[1, 2], [3, 4]]
    assert await SqlReadingRepository(uow).for_period("2027-01") == []
    await uow.rollback()


async def test_the_service_stores_a_reading_the_bot_was_told_of(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, registry_csv: bytes
) -> None:
    await _registry(sessionmaker, clock, registry_csv)
    uow = UnitOfWork(sessionmaker, clock=clock)
    consents = SqlConsents(uow)
    await consents.record(ConsentRecord(USER, ConsentDecision.GIVEN, "v1", clock.now()))
    links = SqlAccountLinks(uow)
    account = await SqlAccountRegistry(uow).get(AccountNumber("1000000001"))
    assert account is not None
    await links.link(USER, account, at=clock.now())
    await uow.commit()

    uow = UnitOfWork(sessionmaker, clock=clock)
    service = ReadingService(
        readings=SqlReadingRepository(uow),
        consents=SqlConsents(uow),
        links=SqlAccountLinks(uow),
        registry=SqlAccountRegistry(uow),
        clock=clock,
        policy=POLICY,
    )
    receipt = await service.submit(
        USER,
        account_number="1000000001",
        serial="011234567",
        entries={1: ZoneEntry(12_345_600), 2: ZoneEntry(5_432_000)},
    )
    await uow.commit()
    assert receipt.reading.id is not None
    assert receipt.reference == f"П-2026-{receipt.reading.id:06d}"

    async with sessionmaker() as session:
        row = (await session.execute(select(ReadingSubmissionRow))).scalar_one()
        assert (row.reference, row.period, row.channel) == (receipt.reference, "2026-11", "bot")
        values = await session.scalar(select(func.count()).select_from(ReadingValueRow))
        assert values == 2
    uow = UnitOfWork(sessionmaker, clock=clock)
    rows = await ReadingService(
        readings=SqlReadingRepository(uow),
        consents=SqlConsents(uow),
        links=SqlAccountLinks(uow),
        registry=SqlAccountRegistry(uow),
        clock=clock,
        policy=POLICY,
    ).export("2026-11")
    assert [(r.zone, r.value_milli, r.reference) for r in rows] == [
        (1, 12_345_600, receipt.reference),
        (2, 5_432_000, receipt.reference),
    ]
    await uow.rollback()


async def test_a_rolled_back_submission_leaves_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, registry_csv: bytes
) -> None:
    await _registry(sessionmaker, clock, registry_csv)
    uow = UnitOfWork(sessionmaker, clock=clock)
    repository = SqlReadingRepository(uow)
    reading_id = await repository.add(_reading(clock, 1, 2))
    await repository.set_reference(reading_id, "П-2026-000009")
    await uow.rollback()
    async with sessionmaker() as session:
        for table in (ReadingSubmissionRow, ReadingValueRow):
            assert await session.scalar(select(func.count()).select_from(table)) == 0
