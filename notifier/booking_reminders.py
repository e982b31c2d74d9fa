"""`BookingReminders` over the outbox: the reminders before a visit are queued in the booking's
transaction with `not_before` set to their time, and dropped (status dropped) in the
transaction that cancels or moves it (SPEC §6, §8). The rule of when: domain/booking.py."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.texts import Texts
from dialogs.booking.keyboards import reminder_keyboard
from dialogs.booking.render import when
from domain.booking import Booking, ReminderKind, reminder_key, reminder_times
from domain.clock import Clock
from storage.outbox import drop_pending, enqueue
from storage.uow import UnitOfWork


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
