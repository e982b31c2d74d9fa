"""Bookings on the real database (SQLite, and PostgreSQL when TEST_DATABASE_URL points there): the
last places under concurrency, the conditional UPDATE and the CHECK behind it, cancel and move
in one transaction (SPEC §6: "two people can never get the same last place")."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.booking import (
    BookingChannel,
    BookingId,
    BookingNotActive,
    BookingStatus,
    BookingTopic,
    MoveOutcome,
    Schedule,
    SlotTaken,
    parse_office_hours,
)
from domain.clock import FixedClock
from domain.consent import ConsentDecision, ConsentRecord
from domain.ids import UserId
from services.booking import BookingPolicy, BookingService
from storage.booking import _TAKE, SqlBookingRepository
from storage.calendar import ProductionCalendar
from storage.models import BookingRow, BookingSlotRow
from storage.repositories import SqlAccountLinks
from storage.uow import UnitOfWork

MSK = ZoneInfo("Europe/Moscow")
THURSDAY_10 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # 10:00 Moscow time
CAPACITY = 12


def _policy(places: int = CAPACITY) -> BookingPolicy:
    return BookingPolicy(
        schedule=Schedule(
            hours=parse_office_hours("mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48"),
            slot=timedelta(minutes=30),
            places=places,
            days_ahead=10,
            zone=MSK,
            calendar=ProductionCalendar(),
        ),
        max_active=2,
        number_prefix="З",
    )


class _Consented:
    """Everyone has consented: this file is about places, not consent."""

    async def current(self, user_id: UserId) -> ConsentRecord:
        return ConsentRecord(user_id, ConsentDecision.GIVEN, "1", THURSDAY_10)

    async def record(self, record: ConsentRecord) -> None:
        raise AssertionError("not used")


def _service(uow: UnitOfWork, clock: FixedClock, places: int = CAPACITY) -> BookingService:
    return BookingService(
        bookings=SqlBookingRepository(uow),
        consents=_Consented(),
        links=SqlAccountLinks(uow),
        clock=clock,
        policy=_policy(places),
    )


async def _book(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    user: int,
    starts_at: datetime = THURSDAY_10,
) -> str:
    """One person booking in a transaction of their own: the number, or "refused"."""
    uow = UnitOfWork(sessionmaker, clock=clock)
    try:
        booking = await _service(uow, clock).book(
            user_id=UserId(user),
            topic=BookingTopic.METERING,
            starts_at=starts_at,
            full_name="Иванова Мария",
            phone=f"+7920{user:07d}",
        )
        await asyncio.sleep(0)  # let the others interleave inside their transactions
        await uow.commit()
    except SlotTaken as refused:
        await uow.rollback()
        # The refusal names the time and offers others, never the full one.
        said = (refused.starts_at, starts_at in refused.options)
        return "refused" if said == (starts_at, False) else f"unclear refusal {said}"
    except BaseException:
        await uow.rollback()
        raise
    assert booking.number is not None
    return booking.number


async def _slot(
    sessionmaker: async_sessionmaker[AsyncSession], starts_at: datetime
) -> tuple[int, int]:
    async with sessionmaker() as session:
        row = (
            await session.execute(
                select(BookingSlotRow.capacity, BookingSlotRow.taken).where(
                    BookingSlotRow.starts_at == starts_at
                )
            )
        ).one()
    return int(row.capacity), int(row.taken)


async def _active_at(sessionmaker: async_sessionmaker[AsyncSession], starts_at: datetime) -> int:
    async with sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(BookingRow)
                .where(BookingRow.starts_at == starts_at, BookingRow.status == "active")
            )
            or 0
        )


async def test_100_concurrent_attempts_at_the_last_10_places_give_exactly_10_bookings(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """Each attempt in its own unit of work and transaction, all at once (asyncio.gather)."""
    for user in (1, 2):  # two of the twelve places are gone already
        assert (await _book(sessionmaker, clock, user)).startswith("З-2026-")
    results = await asyncio.gather(
        *(_book(sessionmaker, clock, user) for user in range(1_000, 1_100))
    )
    outcomes = Counter("booked" if r.startswith("З-2026-") else r for r in results)
    assert outcomes == {"booked": 10, "refused": 90}
    assert len({r for r in results if r != "refused"}) == 10  # ten distinct numbers
    assert await _slot(sessionmaker, THURSDAY_10) == (CAPACITY, CAPACITY)
    assert await _active_at(sessionmaker, THURSDAY_10) == CAPACITY


async def test_an_update_at_capacity_changes_nothing_and_the_check_refuses_more(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """The two things the race test relies on, seen directly (on SQLite the single connection
    runs the transactions one after another, so there they meet no real interleaving)."""
    uow = UnitOfWork(sessionmaker, clock=clock)
    repository = SqlBookingRepository(uow)
    assert await repository.take_place(THURSDAY_10, capacity=2)
    assert await repository.take_place(THURSDAY_10, capacity=2)
    assert not await repository.take_place(THURSDAY_10, capacity=2)
    result = await uow.session.execute(_TAKE, {"slot": THURSDAY_10})
    assert result.rowcount == 0
    await uow.commit()
    assert await _slot(sessionmaker, THURSDAY_10) == (2, 2)
    for taken in (3, -1):
        uow = UnitOfWork(sessionmaker, clock=clock)
        with pytest.raises(IntegrityError):
            await uow.session.execute(
                update(BookingSlotRow)
                .where(BookingSlotRow.starts_at == THURSDAY_10)
                .values(taken=taken)
            )
        await uow.rollback()
    assert await _slot(sessionmaker, THURSDAY_10) == (2, 2)


async def test_a_refused_booking_writes_no_booking_and_takes_no_place(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock, places=1)
    await service.book(
        user_id=UserId(1),
        topic=BookingTopic.OTHER,
        starts_at=THURSDAY_10,
        full_name="Иванова Мария",
        phone="+79200000001",
    )
    with pytest.raises(SlotTaken):
        await service.book(
            user_id=UserId(2),
            topic=BookingTopic.OTHER,
            starts_at=THURSDAY_10,
            full_name="Петров Сергей",
            phone="+79200000002",
        )
    await uow.commit()  # what a handler does after telling the person: commits the refusal
    assert await _slot(sessionmaker, THURSDAY_10) == (1, 1)
    assert await _active_at(sessionmaker, THURSDAY_10) == 1


async def test_cancel_gives_the_place_back_once_even_when_pressed_twice_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    number = await _book(sessionmaker, clock, 1)
    await _book(sessionmaker, clock, 2)
    async with sessionmaker() as session:
        booking_id = await session.scalar(select(BookingRow.id).where(BookingRow.number == number))
    assert booking_id is not None

    async def cancel() -> str:
        uow = UnitOfWork(sessionmaker, clock=clock)
        try:
            await _service(uow, clock).cancel(UserId(1), BookingId(booking_id))
            await asyncio.sleep(0)
            await uow.commit()
        except BookingNotActive:
            await uow.rollback()
            return "refused"
        except BaseException:
            await uow.rollback()
            raise
        return "cancelled"

    assert sorted(await asyncio.gather(cancel(), cancel(), cancel())) == [
        "cancelled",
        "refused",
        "refused",
    ]
    assert await _slot(sessionmaker, THURSDAY_10) == (CAPACITY, 1)


async def test_move_is_all_or_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    later = THURSDAY_10 + timedelta(hours=1)
    uow = UnitOfWork(sessionmaker, clock=clock)
    repository = SqlBookingRepository(uow)
    service = _service(uow, clock, places=1)
    mine = await service.book(
        user_id=UserId(1),
        topic=BookingTopic.OTHER,
        starts_at=THURSDAY_10,
        full_name="Иванова Мария",
        phone="+79200000001",
    )
    assert mine.id is not None
    await service.book(
        user_id=UserId(2),
        topic=BookingTopic.OTHER,
        starts_at=later,
        full_name="Петров Сергей",
        phone="+79200000002",
    )
    # The new time is full: nothing changes, the booking stays where it was.
    outcome = await repository.move(
        mine.id, from_slot=THURSDAY_10, to_slot=later, capacity=1, at=clock.now()
    )
    assert outcome is MoveOutcome.FULL
    assert (await repository.get(mine.id)) == mine
    # A booking no longer active: the place just taken goes back.
    free = THURSDAY_10 + timedelta(hours=3)
    await repository.close(
        mine.id, starts_at=THURSDAY_10, status=BookingStatus.CANCELLED, at=clock.now()
    )
    outcome = await repository.move(
        mine.id, from_slot=THURSDAY_10, to_slot=free, capacity=1, at=clock.now()
    )
    assert outcome is MoveOutcome.GONE
    await uow.commit()
    assert await _slot(sessionmaker, free) == (1, 0)
    assert await _slot(sessionmaker, THURSDAY_10) == (1, 0)
    assert await _slot(sessionmaker, later) == (1, 1)


async def test_concurrent_moves_in_opposite_directions_neither_deadlock_nor_lose_places(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """Slot rows are locked in one order (ascending time) before any booking row: two people
    swapping times at the same instant cannot deadlock on PostgreSQL."""
    early, late = THURSDAY_10, THURSDAY_10 + timedelta(hours=1)
    pairs = CAPACITY // 2  # whatever order the moves run in, a slot never needs more
    ids: dict[int, int] = {}
    for user in range(pairs):
        for offset, starts_at in ((0, early), (100, late)):
            number = await _book(sessionmaker, clock, user + offset, starts_at)
            async with sessionmaker() as session:
                ids[user + offset] = int(
                    await session.scalar(select(BookingRow.id).where(BookingRow.number == number))
                    or 0
                )

    async def move(user: int, to: datetime) -> str:
        uow = UnitOfWork(sessionmaker, clock=clock)
        try:
            await _service(uow, clock).move(UserId(user), BookingId(ids[user]), to)
            await asyncio.sleep(0)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        return "moved"

    moves = [move(user, late) for user in range(pairs)]
    moves += [move(user + 100, early) for user in range(pairs)]
    assert await asyncio.gather(*moves) == ["moved"] * (2 * pairs)
    assert await _slot(sessionmaker, early) == (CAPACITY, pairs)
    assert await _slot(sessionmaker, late) == (CAPACITY, pairs)
    assert await _active_at(sessionmaker, early) == pairs
    assert await _active_at(sessionmaker, late) == pairs


async def test_upcoming_and_a_days_list_are_active_bookings_by_time(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    later = await service.book_for_caller(
        staff_id=5,
        full_name="Петров Сергей",
        phone="8 920 000 00 02",
        topic=BookingTopic.CONTRACTS,
        starts_at=THURSDAY_10 + timedelta(hours=3),
        channel=BookingChannel.IN_PERSON,
    )
    earlier = await service.book(
        user_id=UserId(1),
        topic=BookingTopic.METERING,
        starts_at=THURSDAY_10,
        full_name="Иванова Мария",
        phone="+79200000001",
    )
    gone = await service.book(
        user_id=UserId(1),
        topic=BookingTopic.METERING,
        starts_at=THURSDAY_10 + timedelta(hours=1),
        full_name="Иванова Мария",
        phone="+79200000001",
    )
    assert gone.id is not None
    await service.cancel(UserId(1), gone.id)
    other_day = await service.book(
        user_id=UserId(3),
        topic=BookingTopic.OTHER,
        starts_at=THURSDAY_10 + timedelta(days=1),
        full_name="Сидоров Алексей",
        phone="+79200000003",
    )
    await uow.commit()
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    day = await service.day(THURSDAY_10.astimezone(MSK).date())
    assert [b.number for b in day] == [earlier.number, later.number]
    assert (day[1].phone, day[1].channel, day[1].booked_by) == (
        "+79200000002",
        BookingChannel.IN_PERSON,
        5,
    )
    assert [b.number for b in await service.mine(UserId(1))] == [earlier.number]
    assert other_day.number not in [b.number for b in day]
    await uow.rollback()


async def test_forget_cancels_upcoming_bookings_and_blanks_the_persons_contacts(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await _book(sessionmaker, clock, 1)
    await _book(sessionmaker, clock, 2)
    uow = UnitOfWork(sessionmaker, clock=clock)
    assert await _service(uow, clock).forget(UserId(1)) == 1
    await uow.commit()
    assert await _slot(sessionmaker, THURSDAY_10) == (CAPACITY, 1)
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(BookingRow.user_id, BookingRow.status, BookingRow.full_name).order_by(
                    BookingRow.user_id
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        (1, "cancelled", ""),
        (2, "active", "Иванова Мария"),
    ]
