"""BookingService with in-memory fakes and a fixed clock (SPEC §6; regulation §11.2, §14.13).
The clock stands at Tuesday 24.11.2026 10:00 Moscow time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.accounts import Account, AccountCategory, Address
from domain.booking import (
    AlreadyBookedAtThisTime,
    Booking,
    BookingChannel,
    BookingId,
    BookingNameRequired,
    BookingNotActive,
    BookingNotFound,
    BookingStatus,
    BookingTopic,
    MoveOutcome,
    Schedule,
    SlotNotOffered,
    SlotTaken,
    TooManyActiveBookings,
    parse_office_hours,
)
from domain.clock import FixedClock
from domain.consent import ConsentDecision, ConsentRecord
from domain.errors import ConsentRequired, InvalidPhone
from domain.ids import AccountNumber, UserId
from services.booking import BookingPolicy, BookingPrefill, BookingService, DayOffer
from services.ports import SlotPlaces
from storage.calendar import ProductionCalendar
from tests.fakes import FakeConsents, FakeLinks, FakeRegistry

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
THURSDAY_10 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
ME = UserId(7_000_001)


class FakeBookings:
    """The BookingRepository port in memory, with the database's rule: no more than capacity."""

    def __init__(self) -> None:
        self.slots: dict[datetime, SlotPlaces] = {}
        self.rows: dict[BookingId, Booking] = {}

    async def places(self, start: datetime, end: datetime) -> dict[datetime, SlotPlaces]:
        return {s: p for s, p in self.slots.items() if start <= s < end}

    async def take_place(self, starts_at: datetime, *, capacity: int) -> bool:
        row = self.slots.setdefault(starts_at, SlotPlaces(capacity=capacity, taken=0))
        if row.taken >= row.capacity:
            return False
        self.slots[starts_at] = replace(row, taken=row.taken + 1)
        return True

    def _give_back(self, starts_at: datetime) -> None:
        row = self.slots[starts_at]
        assert row.taken > 0
        self.slots[starts_at] = replace(row, taken=row.taken - 1)

    async def add(self, booking: Booking) -> BookingId:
        booking_id = BookingId(len(self.rows) + 41)
        self.rows[booking_id] = replace(booking, id=booking_id)
        return booking_id

    async def set_number(self, booking_id: BookingId, number: str) -> None:
        self.rows[booking_id] = replace(self.rows[booking_id], number=number)

    async def get(self, booking_id: BookingId) -> Booking | None:
        return self.rows.get(booking_id)

    async def upcoming(
        self, *, after: datetime, user_id: UserId | None = None, phone: str | None = None
    ) -> list[Booking]:
        return sorted(
            (
                b
                for b in self.rows.values()
                if b.status is BookingStatus.ACTIVE
                and b.starts_at > after
                and (b.user_id == user_id if user_id is not None else b.phone == phone)
            ),
            key=lambda b: b.starts_at,
        )

    async def between(self, start: datetime, end: datetime) -> list[Booking]:
        return sorted(
            (
                b
                for b in self.rows.values()
                if b.status is BookingStatus.ACTIVE and start <= b.starts_at < end
            ),
            key=lambda b: b.starts_at,
        )

    async def close(
        self, booking_id: BookingId, *, starts_at: datetime, status: BookingStatus, at: datetime
    ) -> bool:
        booking = self.rows[booking_id]
        if booking.status is not BookingStatus.ACTIVE:
            return False
        self.rows[booking_id] = replace(booking, status=status, cancelled_at=at)
        self._give_back(starts_at)
        return True

    async def erase_contacts(self, user_id: UserId) -> int:
        mine = [b for b in self.rows.values() if b.user_id == user_id]
        for booking in mine:
            assert booking.id is not None
            self.rows[booking.id] = replace(booking, full_name="", phone="")
        return len(mine)

    async def move(
        self,
        booking_id: BookingId,
        *,
        from_slot: datetime,
        to_slot: datetime,
        capacity: int,
        at: datetime,
    ) -> MoveOutcome:
        if not await self.take_place(to_slot, capacity=capacity):
            return MoveOutcome.FULL
        booking = self.rows[booking_id]
        if booking.status is not BookingStatus.ACTIVE:
            self._give_back(to_slot)
            return MoveOutcome.GONE
        self.rows[booking_id] = replace(booking, status=BookingStatus.MOVED, cancelled_at=at)
        self._give_back(from_slot)
        return MoveOutcome.MOVED


class FakeReminders:
    def __init__(self) -> None:
        self.scheduled: list[BookingId] = []
        self.dropped: list[BookingId] = []
        self.told: list[BookingId] = []

    async def schedule(self, booking: Booking) -> None:
        assert booking.id is not None and booking.number is not None
        self.scheduled.append(booking.id)

    async def drop(self, booking: Booking) -> None:
        assert booking.id is not None
        self.dropped.append(booking.id)

    async def cancelled_by_staff(self, booking: Booking) -> None:
        assert booking.id is not None
        self.told.append(booking.id)


class World:
    def __init__(self, *, places: int = 2, max_active: int = 2) -> None:
        self.clock = FixedClock(NOW)
        self.bookings = FakeBookings()
        self.reminders = FakeReminders()
        self.consents = FakeConsents()
        self.registry = FakeRegistry(
            [
                Account(
                    number=AccountNumber("1000000001"),
                    full_name="Иванова Мария Петровна",
                    address=Address("Выкса", "ул. Ленина", "12", "5"),
                    category=AccountCategory.HOUSEHOLD,
                    phone="8 (920) 000-00-01",
                )
            ]
        )
        self.links = FakeLinks(self.registry)
        self.service = BookingService(
            bookings=self.bookings,
            consents=self.consents,
            links=self.links,
            clock=self.clock,
            reminders=self.reminders,
            policy=BookingPolicy(
                schedule=Schedule(
                    hours=parse_office_hours(
                        "mon-thu 08:00-17:00; fri 08:00-15:45; break 12:00-12:48"
                    ),
                    slot=timedelta(minutes=30),
                    places=places,
                    days_ahead=10,
                    zone=MSK,
                    calendar=ProductionCalendar(),
                ),
                max_active=max_active,
                number_prefix="З",
            ),
        )

    def consent(self, user_id: UserId = ME) -> None:
        self.consents.records.append(
            ConsentRecord(user_id, ConsentDecision.GIVEN, "1", self.clock.now())
        )

    async def book(
        self, starts_at: datetime = THURSDAY_10, user_id: UserId = ME, phone: str = "+79200000001"
    ) -> Booking:
        return await self.service.book(
            user_id=user_id,
            topic=BookingTopic.METERING,
            starts_at=starts_at,
            full_name="Иванова Мария",
            phone=phone,
        )


@pytest.fixture
def world() -> World:
    w = World()
    w.consent()
    return w


async def test_a_booking_gets_a_number_a_place_and_reminders(world: World) -> None:
    booking = await world.book()
    assert booking.number == f"З-2026-{booking.id:06d}"
    assert (booking.status, booking.channel, booking.phone) == (
        BookingStatus.ACTIVE,
        BookingChannel.BOT,
        "+79200000001",
    )
    assert world.bookings.slots[THURSDAY_10] == SlotPlaces(capacity=2, taken=1)
    assert world.reminders.scheduled == [booking.id]


async def test_booking_without_consent_is_refused(world: World) -> None:
    with pytest.raises(ConsentRequired):
        await world.book(user_id=UserId(1))
    assert world.bookings.slots == {}


async def test_the_name_and_phone_are_checked_before_any_place_is_taken(world: World) -> None:
    with pytest.raises(InvalidPhone):
        await world.book(phone="12345")
    with pytest.raises(BookingNameRequired):
        await world.service.book(
            user_id=ME,
            topic=BookingTopic.OTHER,
            starts_at=THURSDAY_10,
            full_name=" ",
            phone="+79200000001",
        )
    assert world.bookings.slots == {}


@pytest.mark.parametrize(
    "starts_at",
    [
        NOW - timedelta(hours=1),  # the past
        NOW,  # now
        NOW + timedelta(minutes=29, seconds=59),  # sooner than 30 minutes (not even a slot)
        datetime(2026, 11, 24, 9, 0, tzinfo=UTC),  # 12:00, in the break
        datetime(2026, 11, 24, 7, 15, tzinfo=UTC),  # 10:15, off the grid
        datetime(2026, 11, 28, 7, 0, tzinfo=UTC),  # a Saturday
        datetime(2026, 12, 8, 7, 0, tzinfo=UTC),  # the 11th working day
        datetime(2026, 11, 27, 12, 30, tzinfo=UTC),  # Friday 15:30, ends after 15:45
    ],
)
async def test_a_time_not_offered_is_refused(world: World, starts_at: datetime) -> None:
    with pytest.raises(SlotNotOffered):
        await world.book(starts_at)
    assert world.bookings.slots == {}


async def test_the_last_place_goes_once_and_the_next_person_gets_the_free_times(
    world: World,
) -> None:
    other = UserId(2)
    world.consent(other)
    await world.book(user_id=other, phone="+79200000002")
    await world.book()
    third = UserId(3)
    world.consent(third)
    with pytest.raises(SlotTaken) as refused:
        await world.book(user_id=third, phone="+79200000003")
    options = refused.value.options
    assert THURSDAY_10 not in options
    assert THURSDAY_10 - timedelta(minutes=30) in options
    assert all(o.astimezone(MSK).date() == date(2026, 11, 26) for o in options)
    assert world.bookings.slots[THURSDAY_10].taken == 2


async def test_at_most_two_upcoming_bookings_and_not_twice_the_same_time(world: World) -> None:
    await world.book()
    with pytest.raises(AlreadyBookedAtThisTime):
        await world.book()
    await world.book(THURSDAY_10 + timedelta(days=1))
    await world.service.check_free(THURSDAY_10 + timedelta(hours=1))
    with pytest.raises(TooManyActiveBookings) as refused:
        await world.service.check_can_book(ME)
    assert refused.value.limit == 2
    with pytest.raises(TooManyActiveBookings):
        await world.book(THURSDAY_10 + timedelta(hours=1))
    # A booking whose time has passed no longer counts.
    world.clock.advance(THURSDAY_10 - NOW + timedelta(minutes=1))
    await world.service.check_can_book(ME)


async def test_days_and_slots_show_only_free_places(world: World) -> None:
    days = await world.service.days()
    assert len(days) == 10
    assert days[0] == DayOffer(day=date(2026, 11, 24), free_slots=11)  # from 10:30
    assert days[2] == DayOffer(day=date(2026, 11, 26), free_slots=16)
    for user in (2, 3):
        world.consent(UserId(user))
        await world.book(user_id=UserId(user), phone=f"+7920000000{user}")
    slots = await world.service.slots(date(2026, 11, 26))
    assert THURSDAY_10 not in [s.starts_at for s in slots]
    assert len(slots) == 15 and all(s.free == 2 for s in slots)
    with pytest.raises(SlotTaken):
        await world.service.check_free(THURSDAY_10)
    with pytest.raises(SlotNotOffered):
        await world.service.check_free(NOW)
    assert await world.service.slots(date(2026, 11, 28)) == []  # Saturday
    assert await world.service.slots(date(2026, 12, 8)) == []  # beyond ten working days


async def test_a_day_with_every_place_taken_is_not_offered() -> None:
    world = World(places=1, max_active=50)
    world.consent()
    thursday = date(2026, 11, 26)
    for start in world.service.schedule.bookable_slots(thursday, NOW):
        await world.book(start)
    assert thursday not in [d.day for d in await world.service.days()]
    assert await world.service.slots(thursday) == []


async def test_cancel_gives_the_place_back_and_drops_the_reminders(world: World) -> None:
    booking = await world.book()
    assert booking.id is not None
    cancelled = await world.service.cancel(ME, booking.id)
    assert cancelled.status is BookingStatus.CANCELLED and cancelled.cancelled_at == NOW
    assert world.bookings.slots[THURSDAY_10].taken == 0
    assert world.reminders.dropped == [booking.id]
    with pytest.raises(BookingNotActive):
        await world.service.cancel(ME, booking.id)
    assert world.bookings.slots[THURSDAY_10].taken == 0


async def test_another_persons_booking_is_not_found(world: World) -> None:
    booking = await world.book()
    assert booking.id is not None
    with pytest.raises(BookingNotFound):
        await world.service.cancel(UserId(2), booking.id)
    with pytest.raises(BookingNotFound):
        await world.service.move(UserId(2), booking.id, THURSDAY_10 + timedelta(hours=1))
    with pytest.raises(BookingNotFound):
        await world.service.upcoming_own(ME, BookingId(999))
    assert world.bookings.slots[THURSDAY_10].taken == 1


async def test_a_booking_whose_time_has_come_cannot_be_cancelled_or_moved(world: World) -> None:
    booking = await world.book()
    assert booking.id is not None
    world.clock.advance(THURSDAY_10 - NOW)
    with pytest.raises(BookingNotActive):
        await world.service.cancel(ME, booking.id)
    with pytest.raises(BookingNotActive):
        await world.service.upcoming_own(ME, booking.id)


async def test_move_makes_a_new_booking_and_frees_the_old_place(world: World) -> None:
    booking = await world.book()
    assert booking.id is not None
    later = THURSDAY_10 + timedelta(days=5)  # Tuesday 01.12, 10:00
    moved = await world.service.move(ME, booking.id, later)
    assert moved.id != booking.id and moved.number != booking.number
    assert (moved.starts_at, moved.status, moved.full_name) == (
        later,
        BookingStatus.ACTIVE,
        booking.full_name,
    )
    assert world.bookings.rows[booking.id].status is BookingStatus.MOVED
    assert world.bookings.slots[THURSDAY_10].taken == 0
    assert world.bookings.slots[later].taken == 1
    assert world.reminders.dropped == [booking.id]
    assert world.reminders.scheduled == [booking.id, moved.id]


async def test_a_move_to_a_full_time_changes_nothing(world: World) -> None:
    booking = await world.book()
    assert booking.id is not None
    later = THURSDAY_10 + timedelta(hours=1)
    for user in (2, 3):
        world.consent(UserId(user))
        await world.book(later, user_id=UserId(user), phone=f"+7920000000{user}")
    with pytest.raises(SlotTaken) as refused:
        await world.service.move(ME, booking.id, later)
    assert later not in refused.value.options
    assert world.bookings.rows[booking.id].status is BookingStatus.ACTIVE
    assert world.bookings.slots[THURSDAY_10].taken == 1
    assert world.bookings.slots[later].taken == 2
    assert world.reminders.dropped == []
    with pytest.raises(AlreadyBookedAtThisTime):
        await world.service.move(ME, booking.id, THURSDAY_10)
    with pytest.raises(SlotNotOffered):
        await world.service.move(ME, booking.id, NOW)


async def test_staff_book_a_caller_by_the_same_rules_counting_the_phone(world: World) -> None:
    """§14.13: booking by phone; no consent in the bot, no reminders (no chat)."""
    first = await world.service.book_for_caller(
        staff_id=8_000_001,
        full_name="Петров Сергей",
        phone="8 920 000 00 02",
        topic=BookingTopic.CONTRACTS,
        starts_at=THURSDAY_10,
    )
    assert (first.user_id, first.booked_by, first.channel, first.phone) == (
        None,
        8_000_001,
        BookingChannel.PHONE,
        "+79200000002",
    )
    assert world.reminders.scheduled == []
    await world.service.book_for_caller(
        staff_id=8_000_001,
        full_name="Петров Сергей",
        phone="+79200000002",
        topic=BookingTopic.CONTRACTS,
        starts_at=THURSDAY_10 + timedelta(hours=1),
        channel=BookingChannel.IN_PERSON,
    )
    with pytest.raises(TooManyActiveBookings):
        await world.service.book_for_caller(
            staff_id=8_000_001,
            full_name="Петров Сергей",
            phone="+7 920 000-00-02",
            topic=BookingTopic.CONTRACTS,
            starts_at=THURSDAY_10 + timedelta(hours=3),
        )
    with pytest.raises(SlotNotOffered):
        await world.service.book_for_caller(
            staff_id=8_000_001,
            full_name="Сидоров Алексей",
            phone="+79200000003",
            topic=BookingTopic.OTHER,
            starts_at=datetime(2026, 11, 28, 7, 0, tzinfo=UTC),
        )


async def test_the_days_list_is_the_local_days_active_bookings_by_time(world: World) -> None:
    late = await world.book(THURSDAY_10 + timedelta(hours=6))  # 16:00
    early = await world.service.book_for_caller(
        staff_id=1,
        full_name="Петров Сергей",
        phone="+79200000002",
        topic=BookingTopic.CONTRACTS,
        starts_at=datetime(2026, 11, 26, 5, 0, tzinfo=UTC),  # 08:00 local, 05:00 UTC
    )
    gone = await world.book(THURSDAY_10 + timedelta(days=1))
    assert gone.id is not None
    await world.service.cancel(ME, gone.id)
    day = await world.service.day(date(2026, 11, 26))
    assert [b.id for b in day] == [early.id, late.id]
    assert await world.service.day(date(2026, 11, 27)) == []


async def test_the_name_and_phone_come_from_the_first_linked_account(world: World) -> None:
    assert await world.service.prefill(ME) is None
    await world.links.link(ME, world.registry.accounts[AccountNumber("1000000001")], at=NOW)
    assert await world.service.prefill(ME) == BookingPrefill(
        full_name="Иванова Мария Петровна", phone="+79200000001"
    )


async def test_a_withdrawal_of_consent_cancels_upcoming_bookings_and_erases_contacts(
    world: World,
) -> None:
    """152-ФЗ: nothing more is sent (the reminders are dropped) and nothing personal is kept."""
    past = await world.book(NOW + timedelta(hours=4))  # today, 14:00
    upcoming = await world.book(THURSDAY_10)
    world.clock.advance(timedelta(days=1))  # the first visit is over
    other = UserId(2)
    world.consent(other)
    theirs = await world.book(THURSDAY_10 + timedelta(hours=1), user_id=other)
    assert await world.service.forget(ME) == 1
    assert world.reminders.dropped == [upcoming.id]
    assert world.bookings.slots[THURSDAY_10].taken == 0
    for booking in (past, upcoming):
        assert booking.id is not None
        stored = world.bookings.rows[booking.id]
        assert (stored.full_name, stored.phone) == ("", "")
    assert upcoming.id is not None and past.id is not None
    assert world.bookings.rows[upcoming.id].status is BookingStatus.CANCELLED
    assert world.bookings.rows[past.id].status is BookingStatus.ACTIVE  # its time has passed
    assert theirs.id is not None and world.bookings.rows[theirs.id].full_name
