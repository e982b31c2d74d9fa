"""Readings and bookings from the staff chat (SPEC §5, §6; §10.5, §14.13): a reading taken
by phone, the month's readings as a file, the day's visitors, a caller booked by staff."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram.methods import SendDocument, SendMessage
from sqlalchemy import select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import BookingRow, ReadingSubmissionRow
from tests.harness import STAFF_CHAT_ID, BotHarness

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _replies(calls: list[Any]) -> list[str]:
    return [
        str(c.text)
        for c in calls
        if isinstance(c, SendMessage) and int(c.chat_id) == STAFF_CHAT_ID
    ]


async def test_a_reading_by_phone_is_checked_stored_and_exported(
    harness: BotHarness, texts: Texts
) -> None:
    staff = harness.staff()
    await staff.send("/reading 1000000002 022345678 12345,6")
    replies = _replies(await harness.deliver())
    assert replies and texts.get("staff-reading-usage") not in replies
    async with harness.app.sessionmaker() as session:
        stored = (await session.execute(select(ReadingSubmissionRow))).scalars().all()
    assert [(r.account_number, r.channel, r.staff_id) for r in stored] == [
        ("1000000002", "phone", staff.user.id)
    ]
    reference = stored[0].reference
    assert reference and reference in replies[0]

    # A lower value is refused as a typo; the register stays as it was.
    await staff.send("/reading 1000000002 022345678 12000 in_person")
    assert _replies(await harness.deliver())
    async with harness.app.sessionmaker() as session:
        assert len((await session.execute(select(ReadingSubmissionRow))).all()) == 1

    await staff.send("/readings 2026-11")
    delivered = await harness.deliver()
    files = [c for c in delivered if isinstance(c, SendDocument)]
    assert len(files) == 1 and int(files[0].chat_id) == STAFF_CHAT_ID
    content = files[0].document.data  # type: ignore[union-attr]
    assert b"1000000002" in content and b"12345.6" in content


async def test_staff_book_a_caller_and_list_the_day(harness: BotHarness, texts: Texts) -> None:
    staff = harness.staff()
    await staff.send("/book 2026-11-26 10:00 metering Сидоров Пётр Ильич; +7 920 000-00-09")
    replies = _replies(await harness.deliver())
    async with harness.app.sessionmaker() as session:
        booking = (await session.execute(select(BookingRow))).scalars().one()
    assert booking.number and booking.number in replies[0]
    assert (booking.channel, booking.booked_by) == ("phone", staff.user.id)

    await staff.send("/day 2026-11-26")
    day = _replies(await harness.deliver())[0]
    assert "Сидоров Пётр Ильич" in day and "10:00" in day
    # Everyday words too (issue 15): the clock is Tuesday 24.11.2026.
    for words in ("26.11", "послезавтра", "в четверг"):
        await staff.send(f"/day {words}")
        assert _replies(await harness.deliver())[0] == day, words
    await staff.send("/day когда-нибудь")
    assert _replies(await harness.deliver()) == [texts.get("staff-day-usage")]
    await staff.send("/book 2026-11-26 10:00 metering без телефона")
    assert _replies(await harness.deliver()) == [texts.get("staff-book-usage")]
    # The day and the time as people type them, like /day (issue 15): 26.11 at 10.30.
    await staff.send("/book послезавтра 10.30 metering Кузнецова Анна; +7 920 000-00-07")
    _replies(await harness.deliver())
    await staff.send("/day 26.11")
    day = _replies(await harness.deliver())[0]
    assert "Кузнецова Анна" in day and "10:30" in day
    for wrong in ("/book когда-нибудь 10:00", "/book завтра 25:00", "/book завтра в-десять"):
        await staff.send(f"{wrong} metering Кто-то; +7 920 000-00-08")
        assert _replies(await harness.deliver()) == [texts.get("staff-book-usage")], wrong


async def test_staff_cancel_a_visit_and_the_person_who_booked_in_the_bot_is_told(
    harness: BotHarness, texts: Texts
) -> None:
    from tests.handlers.test_booking_dialog import _book_in_dialog, _linked

    person = await _linked(harness, texts)
    number = await _book_in_dialog(person, texts)
    staff = harness.staff()
    await staff.send(f"/unbook {number}")
    delivered = await harness.deliver()
    told = [
        c.text for c in delivered if isinstance(c, SendMessage) and c.chat_id == person.chat.id
    ]
    assert len(told) == 1 and number in str(told[0]) and "/booking" in str(told[0])
    async with harness.app.sessionmaker() as session:
        booking = (await session.execute(select(BookingRow))).scalars().one()
    assert booking.status == "cancelled"
    await staff.send(f"/unbook {number}")
    assert _replies(await harness.deliver()) == [texts.get("booking-error-not-active")]
    await staff.send("/unbook З-2026-999999")
    assert _replies(await harness.deliver()) == [texts.get("booking-error-not-found")]
