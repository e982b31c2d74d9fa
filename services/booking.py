"""Appointment booking at the service office (SPEC §6; regulation §11.1, §11.2, §14.13): the
days and times still free, booking, the person's own bookings, cancelling and moving, staff
booking for a caller and the day's list.

What keeps a place from being given twice is the database (BookingRepository.take_place and
move: a conditional UPDATE in the booking's transaction). The service checks everything else
first, so a refusal never leaves a write half done: the last step that can refuse is the
place itself, and nothing is written before it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from domain.booking import (
    AlreadyBookedAtThisTime,
    Booking,
    BookingChannel,
    BookingId,
    BookingNotActive,
    BookingNotFound,
    BookingStatus,
    BookingTopic,
    MoveOutcome,
    Schedule,
    SlotNotOffered,
    SlotTaken,
    TooManyActiveBookings,
    booking_id_of,
    clean_full_name,
    format_booking_number,
)
from domain.clock import Clock
from domain.contacts import normalize_ru_phone
from domain.deadlines import local_date
from domain.drafts import DraftKind, DraftToken
from domain.errors import ConsentRequired, InvalidPhone
from domain.ids import UserId
from services.ports import (
    AccountLinks,
    BookingReminders,
    BookingRepository,
    Consents,
    SlotPlaces,
    SubmittedDrafts,
)


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    schedule: Schedule
    max_active: int  # upcoming bookings per person (or per caller's phone)
    number_prefix: str
    office_address: str = ""  # where the office is, told with every booking (OFFICE_ADDRESS)


@dataclass(frozen=True, slots=True)
class DayOffer:
    day: date
    free_slots: int


@dataclass(frozen=True, slots=True)
class SlotOffer:
    starts_at: datetime
    free: int  # places left


@dataclass(frozen=True, slots=True)
class BookingPrefill:
    """What the dialog can offer instead of asking: from the first linked account."""

    full_name: str
    phone: str


class BookingService:
    def __init__(
        self,
        *,
        bookings: BookingRepository,
        consents: Consents,
        links: AccountLinks,
        clock: Clock,
        policy: BookingPolicy,
        reminders: BookingReminders | None = None,
        drafts: SubmittedDrafts | None = None,
    ) -> None:
        self._drafts = drafts
        self._bookings = bookings
        self._consents = consents
        self._links = links
        self._clock = clock
        self._policy = policy
        self._reminders = reminders

    @property
    def schedule(self) -> Schedule:
        return self._policy.schedule

    @property
    def office_address(self) -> str:
        return self._policy.office_address

    # -- what is free ----------------------------------------------------------------------

    async def days(self) -> list[DayOffer]:
        """The offered days (the next working days, see domain/booking.py) with a free place."""
        now = self._clock.now()
        schedule = self.schedule
        days = schedule.offered_days(now)
        if not days:
            return []
        places = await self._bookings.places(
            self._day_start(days[0]), self._day_start(days[-1] + timedelta(days=1))
        )
        offers = []
        for day in days:
            free = sum(1 for s in schedule.bookable_slots(day, now) if self._free(places, s) > 0)
            if free:
                offers.append(DayOffer(day=day, free_slots=free))
        return offers

    async def slots(self, day: date) -> list[SlotOffer]:
        """The day's slots with a free place, if the day is offered at all."""
        now = self._clock.now()
        schedule = self.schedule
        if day not in schedule.offered_days(now):
            return []
        places = await self._bookings.places(
            self._day_start(day), self._day_start(day + timedelta(days=1))
        )
        offers = (
            SlotOffer(starts_at=s, free=self._free(places, s))
            for s in schedule.bookable_slots(day, now)
        )
        return [offer for offer in offers if offer.free > 0]

    async def check_can_book(self, user_id: UserId) -> None:
        """At the start of the dialog: TooManyActiveBookings now rather than at the end."""
        upcoming = await self._bookings.upcoming(after=self._clock.now(), user_id=user_id)
        if len(upcoming) >= self._policy.max_active:
            raise TooManyActiveBookings(self._policy.max_active)

    async def check_free(self, starts_at: datetime) -> None:
        """While the person chooses: SlotNotOffered or SlotTaken, with the day's free slots, if
        the time cannot be booked now. Only a hint; booking checks again, in the database."""
        now = self._clock.now()
        if not self.schedule.is_offered(starts_at, now):
            raise SlotNotOffered(starts_at, await self._options(starts_at))
        options = await self._options(starts_at)
        if starts_at not in options:
            raise SlotTaken(starts_at, options)

    async def prefill(self, user_id: UserId) -> BookingPrefill | None:
        linked = await self._links.linked(user_id)
        if not linked:
            return None
        account = linked[0].account
        try:
            phone = normalize_ru_phone(account.phone) if account.phone else ""
        except InvalidPhone:
            phone = ""
        return BookingPrefill(full_name=account.full_name, phone=phone)

    # -- booking ---------------------------------------------------------------------------

    async def book(
        self,
        *,
        user_id: UserId,
        topic: BookingTopic,
        starts_at: datetime,
        full_name: str,
        phone: str,
        token: DraftToken | None = None,
    ) -> Booking:
        """A person books in the bot: consent first (SPEC §1), then `_check` and `_store`.
        `token` (the summary's, domain/drafts.py) is stored with it for `submitted`."""
        record = await self._consents.current(user_id)
        if record is None or not record.is_active:
            raise ConsentRequired()
        now = self._clock.now()
        booking = Booking(
            id=None,
            number=None,
            starts_at=starts_at,
            topic=BookingTopic(topic),
            status=BookingStatus.ACTIVE,
            user_id=user_id,
            full_name=clean_full_name(full_name),
            phone=normalize_ru_phone(phone),
            channel=BookingChannel.BOT,
            created_at=now,
        )
        await self._check(booking, await self._bookings.upcoming(after=now, user_id=user_id))
        stored = await self._store(booking)
        if token is not None and self._drafts is not None and stored.id is not None:
            await self._drafts.remember(DraftKind.BOOKING, token, stored.id, at=now)
        return stored

    async def submitted(self, user_id: UserId, token: DraftToken) -> Booking | None:
        """The person's booking that the draft with this token became, if it was made."""
        if self._drafts is None:
            return None
        booking_id = await self._drafts.record_of(DraftKind.BOOKING, token)
        if booking_id is None:
            return None
        booking = await self._bookings.get(BookingId(booking_id))
        return booking if booking is not None and booking.user_id == user_id else None

    async def book_for_caller(
        self,
        *,
        staff_id: int,
        full_name: str,
        phone: str,
        topic: BookingTopic,
        starts_at: datetime,
        channel: BookingChannel = BookingChannel.PHONE,
    ) -> Booking:
        """§14.13: staff book a caller (by phone, or at the desk) by the same rules; the limit
        of upcoming bookings counts the caller's phone number. No reminders: no chat."""
        now = self._clock.now()
        normalized = normalize_ru_phone(phone)
        booking = Booking(
            id=None,
            number=None,
            starts_at=starts_at,
            topic=BookingTopic(topic),
            status=BookingStatus.ACTIVE,
            user_id=None,
            full_name=clean_full_name(full_name),
            phone=normalized,
            channel=BookingChannel(channel),
            created_at=now,
            booked_by=staff_id,
        )
        await self._check(booking, await self._bookings.upcoming(after=now, phone=normalized))
        return await self._store(booking)

    async def _check(self, booking: Booking, upcoming: list[Booking]) -> None:
        now = booking.created_at
        if not self.schedule.is_offered(booking.starts_at, now):
            raise SlotNotOffered(booking.starts_at, await self._options(booking.starts_at))
        if any(b.starts_at == booking.starts_at for b in upcoming):
            raise AlreadyBookedAtThisTime()
        if len(upcoming) >= self._policy.max_active:
            raise TooManyActiveBookings(self._policy.max_active)

    async def _store(self, booking: Booking) -> Booking:
        # The place is the last thing that can refuse, and nothing is written before it.
        if not await self._bookings.take_place(booking.starts_at, capacity=self.schedule.places):
            raise SlotTaken(booking.starts_at, await self._options(booking.starts_at))
        stored = await self._add(booking)
        if self._reminders is not None and stored.user_id is not None:
            await self._reminders.schedule(stored)
        return stored

    async def _add(self, booking: Booking) -> Booking:
        """The row, then its number, made of its id (domain/booking.py)."""
        booking_id = await self._bookings.add(booking)
        year = local_date(booking.created_at, self.schedule.zone).year
        number = format_booking_number(self._policy.number_prefix, year, booking_id)
        await self._bookings.set_number(booking_id, number)
        return replace(booking, id=booking_id, number=number)

    async def _options(self, starts_at: datetime) -> list[datetime]:
        """What to offer instead: the free slots of the same day."""
        day = local_date(starts_at, self.schedule.zone)
        return [offer.starts_at for offer in await self.slots(day)]

    # -- the person's own bookings ---------------------------------------------------------

    async def mine(self, user_id: UserId) -> list[Booking]:
        """Upcoming bookings, soonest first."""
        return await self._bookings.upcoming(after=self._clock.now(), user_id=user_id)

    async def own(self, user_id: UserId, booking_id: BookingId) -> Booking:
        """The person's own booking, or BookingNotFound — also for someone else's, so that a
        hand-made callback cannot even tell that it exists."""
        booking = await self._bookings.get(booking_id)
        if booking is None or booking.user_id != user_id:
            raise BookingNotFound()
        return booking

    async def upcoming_own(self, user_id: UserId, booking_id: BookingId) -> Booking:
        """The person's own booking that can still be cancelled or moved («Приду» in a
        reminder, the start of a move), else BookingNotFound / BookingNotActive."""
        booking = await self.own(user_id, booking_id)
        if not booking.is_upcoming(self._clock.now()):
            raise BookingNotActive()
        return booking

    async def cancel(self, user_id: UserId, booking_id: BookingId) -> Booking:
        """The place is given back and the pending reminders dropped, in one transaction."""
        booking = await self.upcoming_own(user_id, booking_id)
        now = self._clock.now()
        assert booking.id is not None
        closed = await self._bookings.close(
            booking.id, starts_at=booking.starts_at, status=BookingStatus.CANCELLED, at=now
        )
        if not closed:
            raise BookingNotActive()
        if self._reminders is not None:
            await self._reminders.drop(booking)
        return replace(booking, status=BookingStatus.CANCELLED, cancelled_at=now)

    async def cancel_by_staff(self, number: str) -> Booking:
        """Staff cancel a visit by its number (the caller phoned, the office closes): the place
        is given back, the reminders dropped, and a person who booked in the bot is told."""
        booking_id = booking_id_of(number)
        booking = await self._bookings.get(booking_id) if booking_id is not None else None
        if booking is None or booking.id is None or booking.number != number.strip().upper():
            raise BookingNotFound()
        now = self._clock.now()
        if booking.status is not BookingStatus.ACTIVE or booking.starts_at <= now:
            raise BookingNotActive()
        closed = await self._bookings.close(
            booking.id, starts_at=booking.starts_at, status=BookingStatus.CANCELLED, at=now
        )
        if not closed:
            raise BookingNotActive()
        cancelled = replace(booking, status=BookingStatus.CANCELLED, cancelled_at=now)
        if self._reminders is not None:
            await self._reminders.drop(booking)
            await self._reminders.cancelled_by_staff(cancelled)
        return cancelled

    async def move(self, user_id: UserId, booking_id: BookingId, starts_at: datetime) -> Booking:
        """A new booking at `starts_at` (new number, new reminders) replaces the old one, whose
        place is given back — or, if the new time has no place left, nothing changes."""
        booking = await self.upcoming_own(user_id, booking_id)
        now = self._clock.now()
        assert booking.id is not None
        if starts_at == booking.starts_at:
            raise AlreadyBookedAtThisTime()
        if not self.schedule.is_offered(starts_at, now):
            raise SlotNotOffered(starts_at, await self._options(starts_at))
        upcoming = await self._bookings.upcoming(after=now, user_id=user_id)
        if any(b.starts_at == starts_at for b in upcoming):
            raise AlreadyBookedAtThisTime()
        outcome = await self._bookings.move(
            booking.id,
            from_slot=booking.starts_at,
            to_slot=starts_at,
            capacity=self.schedule.places,
            at=now,
        )
        if outcome is MoveOutcome.FULL:
            raise SlotTaken(starts_at, await self._options(starts_at))
        if outcome is MoveOutcome.GONE:
            raise BookingNotActive()
        stored = await self._add(
            replace(booking, id=None, number=None, starts_at=starts_at, created_at=now)
        )
        if self._reminders is not None:
            await self._reminders.drop(booking)
            await self._reminders.schedule(stored)
        return stored

    async def forget(self, user_id: UserId) -> int:
        """Consent withdrawn (152-ФЗ art. 9 p. 2, art. 21 p. 5): every upcoming booking of the
        person is cancelled (places back, reminders dropped: nothing more is sent to them) and
        their name and phone are erased from all their bookings. Returns how many were
        cancelled. Meant for the withdrawal's transaction."""
        now = self._clock.now()
        cancelled = 0
        for booking in await self._bookings.upcoming(after=now, user_id=user_id):
            assert booking.id is not None
            closed = await self._bookings.close(
                booking.id, starts_at=booking.starts_at, status=BookingStatus.CANCELLED, at=now
            )
            if closed:
                cancelled += 1
                if self._reminders is not None:
                    await self._reminders.drop(booking)
        await self._bookings.erase_contacts(user_id)
        return cancelled

    # -- staff -----------------------------------------------------------------------------

    async def day(self, day: date) -> list[Booking]:
        """A local day's active bookings, by time: who comes, when, with what, their phone."""
        return await self._bookings.between(
            self._day_start(day), self._day_start(day + timedelta(days=1))
        )

    # -- helpers ---------------------------------------------------------------------------

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.schedule.zone)

    def _free(self, places: dict[datetime, SlotPlaces], starts_at: datetime) -> int:
        row = places.get(starts_at)
        if row is None:
            return self.schedule.places
        return max(0, row.capacity - row.taken)
