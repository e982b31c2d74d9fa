"""Meter readings and the service office's bookings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.limits import (
    ACCOUNT_MAX,
    FULL_NAME_MAX,
    METER_SERIAL_MAX,
    PHONE_MAX,
)
from storage.models.base import Base, UtcDateTime


class ReadingSubmissionRow(Base):
    """One meter reading as a person (or staff for them) sent it: a value per tariff zone in
    `reading_values` (SPEC §5; regulation §10.3, §10.5)."""

    __tablename__ = "reading_submissions"
    __table_args__ = (Index("ix_reading_submissions_meter", "account_number", "meter_serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    account_number: Mapped[str] = mapped_column(
        String(ACCOUNT_MAX), ForeignKey("accounts.number", ondelete="CASCADE")
    )
    meter_serial: Mapped[str] = mapped_column(String(METER_SERIAL_MAX))
    period: Mapped[str] = mapped_column(String(7), index=True)  # "2026-11": the billing month
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # bot | phone | in_person
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    staff_id: Mapped[int | None] = mapped_column(BigInteger)
    photo_file_id: Mapped[str | None] = mapped_column(String(256))


class ReadingValueRow(Base):
    __tablename__ = "reading_values"
    __table_args__ = (UniqueConstraint("submission_id", "zone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("reading_submissions.id", ondelete="CASCADE"), index=True
    )
    zone: Mapped[int] = mapped_column(Integer)  # 1..3: T1/T2/T3
    # kWh in thousandths, so that 12345.6 is exact and compares as an integer.
    value_milli: Mapped[int] = mapped_column(BigInteger)
    rollover: Mapped[bool] = mapped_column(default=False)


class BookingSlotRow(Base):
    """A slot of the service office with its places (§11.1, §14.13). `taken` only moves by a
    conditional UPDATE (taken < capacity), so the database refuses a place that is gone."""

    __tablename__ = "booking_slots"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
    )

    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class BookingRow(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    starts_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), ForeignKey("booking_slots.starts_at"), index=True
    )
    topic: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)  # active | cancelled | moved
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX), default="")
    phone: Mapped[str] = mapped_column(String(PHONE_MAX), default="")
    channel: Mapped[str] = mapped_column(String(16))  # bot | phone | in_person
    booked_by: Mapped[int | None] = mapped_column(BigInteger)  # a staff member, for a caller
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
