"""Bookings and the places of the office's slots over SQLAlchemy Core (SPEC §6).

Two people can never get the same last place, and the database is what says so:
- a place is taken with `UPDATE booking_slots SET taken = taken + 1 WHERE starts_at = :slot
  AND taken < capacity`, in the booking's transaction, and only a changed row counts. On
  PostgreSQL concurrent updates of the row queue on its lock and each re-checks
  `taken < capacity` against the committed value (READ COMMITTED re-evaluates the WHERE of
  an UPDATE that waited); on SQLite the single writer runs them one after another. The CHECK
  `taken BETWEEN 0 AND capacity` is the safety net for any other statement.
- the slot's row is made on first use (`INSERT … ON CONFLICT DO NOTHING`, capacity from the
  schedule), so untouched slots cost no rows.
- one lock order everywhere: slot rows first (ascending time, `SELECT … FOR UPDATE`, which
  SQLite does not need and SQLAlchemy leaves out there), then booking rows. A move locks two
  slots and a cancel one slot before their booking, so neither can deadlock with another.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.booking import (
    Booking,
    BookingChannel,
    BookingId,
    BookingStatus,
    BookingTopic,
    MoveOutcome,
)
from domain.ids import UserId
from services.ports import SlotPlaces
from storage.models import BookingRow, BookingSlotRow
from storage.uow import UnitOfWork

_SLOTS = BookingSlotRow.__table__
_BOOKINGS = BookingRow.__table__

_PLACES = select(_SLOTS.c.starts_at, _SLOTS.c.capacity, _SLOTS.c.taken).where(
    _SLOTS.c.starts_at >= bindparam("start"), _SLOTS.c.starts_at < bindparam("end")
)
_TAKE = (
    update(BookingSlotRow)
    .where(
        BookingSlotRow.starts_at == bindparam("slot"),
        BookingSlotRow.taken < BookingSlotRow.capacity,
    )
    .values(taken=BookingSlotRow.taken + 1)
)
# No guard here: giving back a place nobody holds is a bug the CHECK must surface.
_GIVE_BACK = (
    update(BookingSlotRow)
    .where(BookingSlotRow.starts_at == bindparam("slot"))
    .values(taken=BookingSlotRow.taken - 1)
)
_LOCK_SLOTS = (
    select(_SLOTS.c.starts_at)
    .where(_SLOTS.c.starts_at.in_(bindparam("slots", expanding=True)))
    .order_by(_SLOTS.c.starts_at)
    .with_for_update()
)
_CLOSE = (
    update(BookingRow)
    .where(
        BookingRow.id == bindparam("booking_id"),
        BookingRow.status == BookingStatus.ACTIVE.value,
    )
    .values(status=bindparam("new_status"), cancelled_at=bindparam("at"))
)
_INSERT = insert(BookingRow).returning(BookingRow.id)
_SET_NUMBER = (
    update(BookingRow)
    .where(BookingRow.id == bindparam("booking_id"))
    .values(number=bindparam("new_number"))
)
_ERASE_CONTACTS = (
    update(BookingRow)
    .where(BookingRow.user_id == bindparam("person"))
    .values(full_name="", phone="")
)
_BY_ID = select(_BOOKINGS).where(_BOOKINGS.c.id == bindparam("booking_id"))
_ACTIVE = (
    select(_BOOKINGS)
    .where(_BOOKINGS.c.status == BookingStatus.ACTIVE.value)
    .order_by(_BOOKINGS.c.starts_at, _BOOKINGS.c.id)
)
_UPCOMING_OF_USER = _ACTIVE.where(
    _BOOKINGS.c.starts_at > bindparam("after"), _BOOKINGS.c.user_id == bindparam("user_id")
)
_UPCOMING_OF_PHONE = _ACTIVE.where(
    _BOOKINGS.c.starts_at > bindparam("after"), _BOOKINGS.c.phone == bindparam("phone")
)
_BETWEEN = _ACTIVE.where(
    _BOOKINGS.c.starts_at >= bindparam("start"), _BOOKINGS.c.starts_at < bindparam("end")
)


@lru_cache(maxsize=4)
def _make_slot(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert_(BookingSlotRow).on_conflict_do_nothing(
        index_elements=[BookingSlotRow.starts_at]
    )


def _booking(row: Any) -> Booking:
    return Booking(
        id=BookingId(row.id),
        number=row.number,
        starts_at=row.starts_at,
        topic=BookingTopic(row.topic),
        status=BookingStatus(row.status),
        user_id=UserId(row.user_id) if row.user_id is not None else None,
        full_name=row.full_name,
        phone=row.phone,
        channel=BookingChannel(row.channel),
        created_at=row.created_at,
        booked_by=row.booked_by,
        cancelled_at=row.cancelled_at,
    )


def _changed(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class SqlBookingRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def places(self, start: datetime, end: datetime) -> dict[datetime, SlotPlaces]:
        result = await self._uow.session.execute(_PLACES, {"start": start, "end": end})
        return {
            row.starts_at: SlotPlaces(capacity=row.capacity, taken=row.taken)
            for row in result.all()
        }

    async def _ensure_slot(self, starts_at: datetime, capacity: int) -> None:
        session = self._uow.session
        await session.execute(
            _make_slot(session.bind.dialect.name),
            {"starts_at": starts_at, "capacity": capacity, "taken": 0},
        )
        self._uow.mark_written()

    async def take_place(self, starts_at: datetime, *, capacity: int) -> bool:
        await self._ensure_slot(starts_at, capacity)
        result = await self._uow.session.execute(_TAKE, {"slot": starts_at})
        return _changed(result) == 1

    async def add(self, booking: Booking) -> BookingId:
        result = await self._uow.session.execute(
            _INSERT,
            {
                "number": booking.number,
                "starts_at": booking.starts_at,
                "topic": booking.topic.value,
                "status": booking.status.value,
                "user_id": booking.user_id,
                "full_name": booking.full_name,
                "phone": booking.phone,
                "channel": booking.channel.value,
                "booked_by": booking.booked_by,
                "created_at": booking.created_at,
                "cancelled_at": booking.cancelled_at,
            },
        )
        self._uow.mark_written()
        return BookingId(int(result.scalar_one()))

    async def set_number(self, booking_id: BookingId, number: str) -> None:
        await self._uow.session.execute(
            _SET_NUMBER, {"booking_id": booking_id, "new_number": number}
        )
        self._uow.mark_written()

    async def get(self, booking_id: BookingId) -> Booking | None:
        result = await self._uow.session.execute(_BY_ID, {"booking_id": booking_id})
        row = result.first()
        return _booking(row) if row is not None else None

    async def upcoming(
        self, *, after: datetime, user_id: UserId | None = None, phone: str | None = None
    ) -> list[Booking]:
        if (user_id is None) == (phone is None):
            raise ValueError("upcoming bookings of a user or of a phone")
        if user_id is not None:
            result = await self._uow.session.execute(
                _UPCOMING_OF_USER, {"after": after, "user_id": user_id}
            )
        else:
            result = await self._uow.session.execute(
                _UPCOMING_OF_PHONE, {"after": after, "phone": phone}
            )
        return [_booking(row) for row in result.all()]

    async def between(self, start: datetime, end: datetime) -> list[Booking]:
        result = await self._uow.session.execute(_BETWEEN, {"start": start, "end": end})
        return [_booking(row) for row in result.all()]

    async def _lock(self, *slots: datetime) -> None:
        await self._uow.session.execute(_LOCK_SLOTS, {"slots": sorted(slots)})

    async def close(
        self, booking_id: BookingId, *, starts_at: datetime, status: BookingStatus, at: datetime
    ) -> bool:
        if status is BookingStatus.ACTIVE:
            raise ValueError("closing makes a booking inactive")
        await self._lock(starts_at)
        session = self._uow.session
        closed = await session.execute(
            _CLOSE, {"booking_id": booking_id, "new_status": status.value, "at": at}
        )
        if _changed(closed) != 1:
            return False
        await session.execute(_GIVE_BACK, {"slot": starts_at})
        self._uow.mark_written()
        return True

    async def move(
        self,
        booking_id: BookingId,
        *,
        from_slot: datetime,
        to_slot: datetime,
        capacity: int,
        at: datetime,
    ) -> MoveOutcome:
        await self._ensure_slot(to_slot, capacity)
        await self._lock(from_slot, to_slot)
        session = self._uow.session
        if _changed(await session.execute(_TAKE, {"slot": to_slot})) != 1:
            return MoveOutcome.FULL
        moved = await session.execute(
            _CLOSE,
            {"booking_id": booking_id, "new_status": BookingStatus.MOVED.value, "at": at},
        )
        if _changed(moved) != 1:
            # Cancelled meanwhile: the place just taken goes back, and nothing has changed.
            await session.execute(_GIVE_BACK, {"slot": to_slot})
            return MoveOutcome.GONE
        await session.execute(_GIVE_BACK, {"slot": from_slot})
        return MoveOutcome.MOVED

    async def erase_contacts(self, user_id: UserId) -> int:
        result = await self._uow.session.execute(_ERASE_CONTACTS, {"person": user_id})
        self._uow.mark_written()
        return _changed(result)
