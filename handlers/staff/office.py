"""The office's work in the staff chat (SPEC §5, §6, §14.13): the deadline digest on request,
meter readings (the month's file, one taken by phone or at the desk) and visits (the day's
list, a caller booked or a visit cancelled by staff)."""

from __future__ import annotations

import re
from datetime import datetime, time

from aiogram import Router
from aiogram.types import Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from core.when import parse_day
from dialogs.booking.render import day_text
from dialogs.readings.router import error_text as reading_error_text
from dialogs.readings.router import receipt_text as reading_receipt_text
from domain.booking import Booking, BookingTopic
from domain.errors import DomainError
from domain.readings import ReadingChannel, parse_period
from domain.staff import StaffMember
from handlers.filters import Cmd
from handlers.render import local_time
from handlers.staff.replies import staff_reply
from notifier.deadlines import DeadlinePolicy, daily_digest
from notifier.exports import EXPORT_METHOD, export_payload


async def cmd_digest(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """The deadline digest now, on request (the scheduled one comes daily at its hour)."""
    policy = DeadlinePolicy(
        zone=config.zone, calendar=config.calendar, staff_chat_id=message.chat.id
    )
    await daily_digest(
        services.uow, texts=texts, policy=policy, now=services.clock.now(), once=False
    )
    if config.wake_outbox is not None:
        services.uow.after_commit(config.wake_outbox)


# Readings and bookings (SPEC §5, §6) ------------------------------------------------------


async def cmd_readings_file(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """/readings 2026-11: the month's readings for billing, as the CLI export writes them."""
    assert message.text is not None
    _, _, period = message.text.partition(" ")
    period = period.strip() or services.clock.now().astimezone(config.zone).strftime("%Y-%m")
    parse_period(period)  # a refusal is told by the staff chat's renderer (handlers/errors.py)
    thread = message.message_thread_id if message.is_topic_message else None
    services.outbox.enqueue(
        chat_id=message.chat.id,
        method=EXPORT_METHOD,
        payload=export_payload("readings", period, reply_to=message.message_id, thread_id=thread),
        urgent=True,
    )


_STAFF_READING_CHANNELS = {"phone": ReadingChannel.PHONE, "in_person": ReadingChannel.IN_PERSON}


async def cmd_reading(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    """/reading ACCOUNT SERIAL T1 [T2 [T3]] [phone|in_person] [rollover] [confirm]: a reading
    given by phone or at the office (§10.5), checked like one sent in the bot."""
    assert message.text is not None
    words = message.text.split()[1:]
    flags = {
        w.lower() for w in words if w.lower() in {"rollover", "confirm", *_STAFF_READING_CHANNELS}
    }
    rest = [w for w in words if w.lower() not in flags]
    if len(rest) < 3:
        staff_reply(services, config, message, texts.get("staff-reading-usage"))
        return
    account, serial, *values = rest
    channel = ReadingChannel.IN_PERSON if "in_person" in flags else ReadingChannel.PHONE
    zones = {index + 1: raw for index, raw in enumerate(values)}
    try:
        receipt = await services.readings.register_by_staff(
            account,
            serial,
            zones,
            channel=channel,
            staff_id=staff.user_id,
            rollover=tuple(zones) if "rollover" in flags else (),
            confirm_implausible="confirm" in flags,
        )
    except DomainError as error:
        # Not the staff chat's one renderer: a refused reading names the meter's zones as
        # people know them (dialogs/readings/router.py), which only this handler knows.
        staff_reply(services, config, message, reading_error_text(texts, error, zones=len(zones)))
        return
    staff_reply(
        services, config, message, reading_receipt_text(texts, receipt, len(zones), config)
    )


async def cmd_day(message: Message, services: Services, texts: Texts, config: AppConfig) -> None:
    """/today, /day 2026-12-03 (or in everyday words: /day завтра, /day 03.12, /day пятница,
    core/when.py): who comes to the office that day."""
    assert message.text is not None
    _, _, argument = message.text.partition(" ")
    day = services.clock.now().astimezone(config.zone).date()
    if argument.strip():
        try:
            day = parse_day(argument, now=services.clock.now(), zone=config.zone)
        except DomainError:
            staff_reply(services, config, message, texts.get("staff-day-usage"))
            return
    bookings = await services.booking.day(day)
    staff_reply(services, config, message, day_text(texts, day, bookings, config.zone))


async def cmd_book(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    """/book 2026-12-03 10:00 metering Иванова Мария; +7 920 000-00-01 — a caller booked by
    staff (§14.13), by the same rules as in the bot."""
    assert message.text is not None
    parts = message.text.split(maxsplit=4)
    if len(parts) < 5 or ";" not in parts[4]:
        staff_reply(services, config, message, texts.get("staff-book-usage"))
        return
    _, day_text_raw, time_raw, topic_raw, person = parts
    name, _, phone = person.partition(";")
    at = _clock_time(time_raw)
    try:
        # The day as /day reads it: 2026-12-03, 03.12, завтра, пятница (core/when.py).
        day = parse_day(day_text_raw, now=services.clock.now(), zone=config.zone)
        topic = BookingTopic(topic_raw.lower())
    except (DomainError, ValueError):
        at = None
    if at is None:
        staff_reply(services, config, message, texts.get("staff-book-usage"))
        return
    starts_at = datetime.combine(day, at, tzinfo=config.zone)
    booking = await services.booking.book_for_caller(
        staff_id=staff.user_id,
        full_name=name.strip(),
        phone=phone.strip(),
        topic=topic,
        starts_at=starts_at,
    )
    _say_booking(services, texts, config, message, "staff-booked", booking)


_CLOCK = re.compile(r"(\d{1,2})(?:[:.\-](\d{2}))?")


def _clock_time(raw: str) -> time | None:
    """10:00, 10.00, 9-30 or just 10, as people type a time of day."""
    match = _CLOCK.fullmatch(raw.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _say_booking(
    services: Services,
    texts: Texts,
    config: AppConfig,
    message: Message,
    key: str,
    booking: Booking,
) -> None:
    when = local_time(booking.starts_at, config.zone)
    staff_reply(services, config, message, texts.get(key, number=booking.number or "", when=when))


async def cmd_unbook(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    """/unbook З-2026-000045: a visit cancelled by staff; the person is told if they booked in
    the bot."""
    assert message.text is not None
    _, _, number = message.text.partition(" ")
    if not number.strip():
        staff_reply(services, config, message, texts.get("staff-unbook-usage"))
        return
    booking = await services.booking.cancel_by_staff(number)
    _say_booking(services, texts, config, message, "staff-unbooked", booking)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_digest, Cmd("digest"))
    router.message.register(cmd_readings_file, Cmd("readings"))
    router.message.register(cmd_reading, Cmd("reading"))
    router.message.register(cmd_day, Cmd("today", "day"))
    router.message.register(cmd_book, Cmd("book"))
    router.message.register(cmd_unbook, Cmd("unbook"))
    return router
