"""`BookingReminders` over the outbox: the reminders before a visit are queued in the booking's
transaction with `not_before` set to their time, and dropped (status dropped) in the
transaction that cancels or moves it (SPEC §6, §8). The rule of when: domain/booking.py."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Self
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import model_validator

from core.callback_fields import RowIdOrNone
from core.texts import Texts
from domain.booking import WEEKDAYS, Booking, ReminderKind, reminder_key, reminder_times
from domain.clock import Clock
from storage.outbox import drop_pending, enqueue
from storage.uow import UnitOfWork

# What a reminder says and its buttons. The booking dialog uses them too (dialogs/booking):
# they live here because a reminder is sent by the outbox, below the dialogs in the layer map.


def weekday(texts: Texts, day: date) -> str:
    return texts.plain(f"booking-weekday-{WEEKDAYS[day.weekday()]}")


def when(texts: Texts, starts_at: datetime, zone: ZoneInfo) -> str:
    local = starts_at.astimezone(zone)
    return texts.plain(
        "booking-when",
        weekday=weekday(texts, local.date()),
        date=local.strftime("%d.%m.%Y"),
        time=local.strftime("%H:%M"),
    )


class BookingChoice(StrEnum):
    MINE = "mine"
    CANCEL = "cancel"
    CANCEL_YES = "cancel-yes"
    CANCEL_NO = "cancel-no"
    MOVE = "move"
    REMIND_CANCEL = "remind-cancel"
    REMIND_COME = "remind-come"


class BookingAction(CallbackData, prefix="bka"):
    action: BookingChoice
    booking: RowIdOrNone = 0  # every action but MINE names a booking

    @model_validator(mode="after")
    def _booking_named(self) -> Self:
        if self.action is not BookingChoice.MINE and not self.booking:
            raise ValueError("this action needs a booking")
        return self


def reminder_keyboard(texts: Texts, booking_id: int, *, come: bool = True) -> InlineKeyboardMarkup:
    """«Отменить запись» and, before the visit, «Приду» under a reminder."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=texts.get("booking-reminder-cancel"),
        callback_data=BookingAction(action=BookingChoice.REMIND_CANCEL, booking=booking_id),
    )
    if come:
        builder.button(
            text=texts.get("booking-reminder-come"),
            callback_data=BookingAction(action=BookingChoice.REMIND_COME, booking=booking_id),
        )
    builder.adjust(2)
    return builder.as_markup()


class OutboxBookingReminders:
    def __init__(self, uow: UnitOfWork, *, texts: Texts, zone: ZoneInfo, clock: Clock) -> None:
        self._uow = uow
        self._texts = texts
        self._zone = zone
        self._clock = clock

    async def schedule(self, booking: Booking) -> None:
        if booking.id is None or booking.user_id is None:
            return
        now = self._clock.now()
        texts = self._texts
        markup = reminder_keyboard(texts, booking.id).model_dump(exclude_none=True)
        for kind, at in reminder_times(booking.starts_at, booked_at=now, zone=self._zone).items():
            text = texts.get(
                f"booking-reminder-{kind.value}",
                when=when(texts, booking.starts_at, self._zone),
                number=booking.number or "",
                topic=texts.plain(f"booking-topic-{booking.topic.value}"),
            )
            enqueue(
                self._uow,
                chat_id=booking.user_id,
                method="send_message",
                payload={"text": text, "reply_markup": markup},
                now=now,
                dedup_key=reminder_key(booking.id, kind),
                not_before=at,
            )

    async def drop(self, booking: Booking) -> None:
        if booking.id is None:
            return
        await drop_pending(
            self._uow, dedup_keys=[reminder_key(booking.id, kind) for kind in ReminderKind]
        )

    async def cancelled_by_staff(self, booking: Booking) -> None:
        if booking.user_id is None:
            return  # a caller booked by phone: staff call them back
        enqueue(
            self._uow,
            chat_id=booking.user_id,
            method="send_message",
            payload={
                "text": self._texts.get(
                    "booking-cancelled-by-staff",
                    number=booking.number or "",
                    when=when(self._texts, booking.starts_at, self._zone),
                )
            },
            now=self._clock.now(),
            urgent=True,
        )
