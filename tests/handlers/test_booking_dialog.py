"""Booking a visit through the bot, «Мои записи», reminders (SPEC §6; regulation §11.2,
§14.13). The clock stands at Tuesday 24.11.2026 10:00 Moscow time; the office keeps the default
hours (mon-thu 08:00-17:00, fri 08:00-15:45, break 12:00-12:48), 30-minute slots, two places a
slot, ten working days ahead, at most two upcoming bookings a person."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, SendMessage
from sqlalchemy import select

from core.texts import Texts
from dialogs.booking.states import BookVisit, MoveBooking
from domain.booking import BookingChannel, BookingTopic
from domain.clock import FixedClock
from services.booking import BookingService
from storage.booking import SqlBookingRepository
from storage.models import BookingRow, BookingSlotRow, OutboxRow
from storage.repositories import SqlAccountLinks, SqlConsents
from storage.uow import UnitOfWork
from tests.fakes import inline_buttons, texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

MSK = timedelta(hours=3)
# Thursday 26.11.2026, 10:00 Moscow time.
THURSDAY_10 = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


async def _linked(harness: BotHarness, texts: Texts, user_id: int = 7_000_001) -> Person:
    person = await consented(harness, texts, user_id=user_id)
    await person.send("/accounts")
    await person.press(texts.get("accounts-link-button"))
    await person.send("1000000001")
    await person.send("Иванова")
    await person.deliver()  # «счёт привязан» is queued with the link
    return person


async def _to_time_step(person: Person, texts: Texts, day: str = "чт, 26.11") -> list[Any]:
    await person.send(texts.get("menu-booking"))
    await person.press(texts.get("booking-topic-metering"))
    return await person.press(day)


async def _book_in_dialog(
    person: Person, texts: Texts, *, day: str = "чт, 26.11", time: str = "10:00"
) -> str:
    await _to_time_step(person, texts, day)
    await person.press(time)
    await person.send("Иванова Мария Петровна")
    await person.send("8 (920) 000-00-01")
    calls = await person.press(texts.get("booking-confirm"))
    # What the person now sees on the summary: its one button, «Мои записи».
    [edit] = [c for c in calls if isinstance(c, EditMessageReplyMarkup)]
    done = texts_of(await person.deliver())[-1]  # queued with the booking
    match = re.search(r"З-2026-\d{6}", done)
    assert match, done
    summary = person.last_inline[0][2]
    person.last_inline = [(label, data, summary) for label, data in inline_buttons(edit)]
    return match.group(0)


def _service(harness: BotHarness, uow: UnitOfWork) -> BookingService:
    config = harness.app.config
    assert config.booking_policy is not None
    return BookingService(
        bookings=SqlBookingRepository(uow),
        consents=SqlConsents(uow),
        links=SqlAccountLinks(uow),
        clock=harness.app.clock,
        policy=config.booking_policy,
    )


async def _caller_books(harness: BotHarness, starts_at: datetime, phone: str) -> None:
    """Staff book a caller by phone (§14.13): the place is taken like any other."""
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    await _service(harness, uow).book_for_caller(
        staff_id=8_000_001,
        full_name="Петров Сергей",
        phone=phone,
        topic=BookingTopic.CONTRACTS,
        starts_at=starts_at,
        channel=BookingChannel.PHONE,
    )
    await uow.commit()


async def _taken(harness: BotHarness, starts_at: datetime) -> int:
    async with harness.app.sessionmaker() as session:
        return int(
            await session.scalar(
                select(BookingSlotRow.taken).where(BookingSlotRow.starts_at == starts_at)
            )
            or 0
        )


async def _bookings(harness: BotHarness) -> list[Any]:
    async with harness.app.sessionmaker() as session:
        return list(
            (await session.execute(select(BookingRow.__table__).order_by(BookingRow.id))).all()
        )


async def _outbox(harness: BotHarness) -> dict[str, Any]:
    """The reminders in the outbox, by key (the replies queued there have keys of their own)."""
    async with harness.app.sessionmaker() as session:
        rows = (await session.execute(select(OutboxRow.__table__))).all()
    return {row.dedup_key: row for row in rows if (row.dedup_key or "").startswith("booking:")}


async def _state(harness: BotHarness, person: Person) -> str | None:
    context = harness.app.dispatcher.fsm.get_context(harness.bot, person.user.id, person.user.id)
    return await harness.app.storage.get_state(context.key)


async def test_a_consumer_books_a_visit_and_gets_a_number_and_two_reminders_queued(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    calls = await person.send(texts.get("menu-booking"))
    intro = texts_of(calls)[0]
    # §11.2: coming without booking, in the live queue, is said at once; the hours are shown.
    assert "живой очереди" in intro
    assert "пн–чт 08:00–17:00 (перерыв 12:00–12:48), пт 08:00–15:45" in intro
    calls = await person.press(texts.get("booking-topic-metering"))
    days = [label for call in calls for label, _ in inline_buttons(call)]
    # The next ten working days from today, with weekday names.
    assert days == [
        "вт, 24.11",
        "ср, 25.11",
        "чт, 26.11",
        "пт, 27.11",
        "пн, 30.11",
        "вт, 01.12",
        "ср, 02.12",
        "чт, 03.12",
        "пт, 04.12",
        "пн, 07.12",
    ]
    calls = await person.press("вт, 24.11")
    times = [label for call in calls for label, _ in inline_buttons(call)]
    # Today: not before 10:30 (30 minutes from now), nothing in the break, the last at 16:30.
    assert times[0] == "10:30" and "12:00" not in times and "12:30" not in times
    assert times[-1] == "16:30" and "13:00" in times
    await person.send(texts.get("nav-back"))
    await person.press("чт, 26.11")
    calls = await person.press("10:00")
    assert texts.get("booking-ask-full-name") in texts_of(calls)
    calls = await person.press("Иванова Мария Петровна")  # prefilled from the linked account
    assert texts.get("booking-ask-phone") in texts_of(calls)
    calls = await person.press("+79200000001")  # the account's phone, offered as well
    summary = texts_of(calls)[0]
    assert "чт, 26.11.2026 в 10:00" in summary and "+79200000001" in summary
    assert "Приборы учёта" in summary
    calls = await person.press(texts.get("booking-confirm"))
    done = texts_of(await person.deliver())[-1]  # queued with the booking
    assert re.search(r"Номер записи: <b>З-2026-\d{6}</b>", done)
    assert "чт, 26.11.2026 в 10:00" in done
    # The summary keeps one button: «Мои записи».
    kept = [c for c in calls if isinstance(c, EditMessageReplyMarkup)]
    assert [label for label, _ in inline_buttons(kept[0])] == [texts.get("booking-my-button")]
    assert await _taken(harness, THURSDAY_10) == 1
    [row] = await _bookings(harness)
    assert (row.status, row.channel, row.phone) == ("active", "bot", "+79200000001")
    assert row.full_name == "Иванова Мария Петровна" and row.topic == "metering"
    reminders = await _outbox(harness)
    # The day before at 18:00 Moscow time, and two hours before.
    assert reminders[f"booking:{row.id}:d1"].not_before == datetime(
        2026, 11, 25, 15, 0, tzinfo=UTC
    )
    assert reminders[f"booking:{row.id}:h2"].not_before == THURSDAY_10 - timedelta(hours=2)
    assert await _state(harness, person) is None


async def test_booking_needs_consent(harness: BotHarness, texts: Texts) -> None:
    person = harness.person()
    await person.send("/start")
    calls = await person.send("/booking")
    assert texts_of(calls) == [texts.get("booking-consent-needed")]
    assert await _state(harness, person) is None


async def test_a_typed_name_and_phone_are_checked(harness: BotHarness, texts: Texts) -> None:
    person = await consented(harness, texts)  # nothing linked: nothing to prefill
    await _to_time_step(person, texts)
    calls = await person.press("10:00")
    assert all(not inline_buttons(c) for c in calls)  # no prefill button
    calls = await person.send("12345")
    assert texts_of(calls) == [texts.get("booking-error-name")]
    await person.send("  Петров   Сергей ")
    calls = await person.send("не скажу")
    assert texts_of(calls) == [texts.get("contact-error-invalid-phone")]
    calls = await person.send("9200000002")
    summary = texts_of(calls)[0]
    assert "ФИО: Петров Сергей" in summary and "Телефон: +79200000002" in summary


async def test_a_time_that_filled_up_while_choosing_is_refused_with_the_free_times(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_time_step(person, texts)
    await person.press("10:00")
    await person.press("Иванова Мария Петровна")
    await person.send("+7 920 000-00-01")
    # Meanwhile both places of 10:00 go to callers booked by phone.
    await _caller_books(harness, THURSDAY_10, "+79200000011")
    await _caller_books(harness, THURSDAY_10, "+79200000012")
    calls = await person.press(texts.get("booking-confirm"))
    refusal = texts_of(calls)[0]
    assert refusal.startswith(texts.get("booking-error-slot-taken"))
    times = [label for call in calls for label, _ in inline_buttons(call)]
    assert "10:00" not in times and "09:30" in times and "10:30" in times
    assert await _state(harness, person) == BookVisit.time.state
    assert await _taken(harness, THURSDAY_10) == 2  # never a third
    # Name and phone are kept: the next time goes straight to the confirmation.
    calls = await person.press("10:30")
    assert "чт, 26.11.2026 в 10:30" in texts_of(calls)[0]
    await person.press(texts.get("booking-confirm"))
    assert "Вы записаны" in texts_of(await person.deliver())[-1]
    assert await _taken(harness, THURSDAY_10 + timedelta(minutes=30)) == 1


async def test_a_full_time_is_refused_when_picked(harness: BotHarness, texts: Texts) -> None:
    person = await _linked(harness, texts)
    await _to_time_step(person, texts)
    await _caller_books(harness, THURSDAY_10, "+79200000011")
    await _caller_books(harness, THURSDAY_10, "+79200000012")
    calls = await person.press("10:00")  # the button was shown while it was free
    assert texts_of(calls)[0].startswith(texts.get("booking-error-slot-taken"))
    assert await _state(harness, person) == BookVisit.time.state


async def test_at_most_two_upcoming_bookings_a_person(harness: BotHarness, texts: Texts) -> None:
    person = await _linked(harness, texts)
    await _book_in_dialog(person, texts, time="10:00")
    await _book_in_dialog(person, texts, day="пт, 27.11", time="09:00")
    calls = await person.send(texts.get("menu-booking"))
    assert texts_of(calls) == [texts.get("booking-error-too-many", max=2)]
    assert await _state(harness, person) is None


async def test_cancel_from_my_bookings_gives_the_place_back_and_drops_the_reminders(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    number = await _book_in_dialog(person, texts)
    calls = await person.press(texts.get("booking-my-button"))
    listing = texts_of(calls)[0]
    assert number in listing and "чт, 26.11.2026 в 10:00" in listing
    calls = await person.press(texts.plain("bookings-cancel-button", number=number))
    assert texts_of(calls) == [
        texts.get("bookings-cancel-confirm", number=number, when="чт, 26.11.2026 в 10:00")
    ]
    calls = await person.press(texts.get("bookings-cancel-no"))
    assert texts_of(calls) == [texts.get("bookings-kept")]
    assert await _taken(harness, THURSDAY_10) == 1
    await person.send("/bookings")
    await person.press(texts.plain("bookings-cancel-button", number=number))
    await person.press(texts.get("bookings-cancel-yes"))
    assert "отменена" in texts_of(await person.deliver())[0]  # queued with the cancellation
    assert await _taken(harness, THURSDAY_10) == 0
    [row] = await _bookings(harness)
    assert row.status == "cancelled" and row.cancelled_at is not None
    statuses = {key: r.status for key, r in (await _outbox(harness)).items()}
    assert statuses == {f"booking:{row.id}:d1": "dropped", f"booking:{row.id}:h2": "dropped"}
    calls = await person.send("/bookings")
    assert texts_of(calls) == [texts.get("bookings-none")]
    # Nothing is sent when the reminders' time comes.
    harness.app.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    delivered = await harness.deliver()
    assert not [c for c in delivered if isinstance(c, SendMessage)]


async def test_move_takes_the_new_place_frees_the_old_one_and_requeues_the_reminders(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    number = await _book_in_dialog(person, texts)
    await person.send("/bookings")
    calls = await person.press(texts.plain("bookings-move-button", number=number))
    assert "Перенос записи" in texts_of(calls)[0]
    assert await _state(harness, person) == MoveBooking.day.state
    await person.press("вт, 01.12")
    await person.press("14:00")
    moved = texts_of(await person.deliver())[-1]  # queued with the move
    assert "Запись перенесена на <b>вт, 01.12.2026 в 14:00</b>" in moved
    new_number = re.search(r"Новый номер записи: <b>(З-2026-\d{6})</b>", moved)
    assert new_number and new_number.group(1) != number and number in moved
    new_slot = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert await _taken(harness, THURSDAY_10) == 0
    assert await _taken(harness, new_slot) == 1
    old, new = await _bookings(harness)
    assert (old.status, new.status) == ("moved", "active")
    assert (new.starts_at, new.full_name, new.topic) == (new_slot, old.full_name, old.topic)
    outbox = await _outbox(harness)
    assert outbox[f"booking:{old.id}:d1"].status == "dropped"
    assert outbox[f"booking:{old.id}:h2"].status == "dropped"
    assert outbox[f"booking:{new.id}:d1"].not_before == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert outbox[f"booking:{new.id}:h2"].not_before == new_slot - timedelta(hours=2)
    assert await _state(harness, person) is None


async def test_a_move_to_a_time_that_filled_up_keeps_the_old_booking(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    number = await _book_in_dialog(person, texts)
    await person.send("/bookings")
    await person.press(texts.plain("bookings-move-button", number=number))
    await person.press("вт, 01.12")
    target = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    await _caller_books(harness, target, "+79200000011")
    await _caller_books(harness, target, "+79200000012")
    calls = await person.press("14:00")
    assert texts_of(calls)[0].startswith(texts.get("booking-error-slot-taken"))
    assert "14:00" not in [label for c in calls for label, _ in inline_buttons(c)]
    assert await _state(harness, person) == MoveBooking.time.state
    assert (await _taken(harness, THURSDAY_10), await _taken(harness, target)) == (1, 2)
    mine = [r for r in await _bookings(harness) if r.user_id == person.user.id]
    assert [(r.number, r.status) for r in mine] == [(number, "active")]


async def test_reminders_are_sent_at_their_time_and_their_buttons_work(
    harness: BotHarness, texts: Texts, clock: FixedClock
) -> None:
    person = await _linked(harness, texts)
    number = await _book_in_dialog(person, texts)
    assert not [c for c in await harness.deliver() if isinstance(c, SendMessage)]
    clock.advance(datetime(2026, 11, 25, 15, 0, tzinfo=UTC) - clock.now())  # 25.11, 18:00
    delivered = [c for c in await harness.deliver() if isinstance(c, SendMessage)]
    assert len(delivered) == 1 and delivered[0].chat_id == person.user.id
    assert "чт, 26.11.2026 в 10:00" in delivered[0].text and number in delivered[0].text
    labels = [label for label, _ in inline_buttons(delivered[0])]
    assert labels == [texts.get("booking-reminder-cancel"), texts.get("booking-reminder-come")]
    calls = await person.press(texts.get("booking-reminder-come"))
    answers = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert answers[0].text == texts.get("booking-reminder-thanks")
    assert await _taken(harness, THURSDAY_10) == 1
    clock.advance(THURSDAY_10 - timedelta(hours=2) - clock.now())  # 26.11, 08:00
    delivered = [c for c in await harness.deliver() if isinstance(c, SendMessage)]
    assert len(delivered) == 1 and "Скоро приём" in delivered[0].text
    await person.press(texts.get("booking-reminder-cancel"))
    assert "отменена" in texts_of(await person.deliver())[0]
    assert await _taken(harness, THURSDAY_10) == 0
    # Pressed again (or «Приду» later): the booking is not on any more.
    calls = await person.press(texts.get("booking-reminder-cancel"))
    answers = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert answers[0].text == texts.get("booking-error-not-active") and answers[0].show_alert


async def test_another_persons_booking_is_not_found(harness: BotHarness, texts: Texts) -> None:
    owner = await _linked(harness, texts)
    number = await _book_in_dialog(owner, texts)
    await owner.send("/bookings")
    stranger = await consented(harness, texts, user_id=7_000_002)
    stranger.last_inline = owner.last_inline  # a hand-made callback with the owner's booking
    calls = await stranger.press(texts.plain("bookings-cancel-button", number=number))
    answers = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert answers[0].text == texts.get("booking-error-not-found") and answers[0].show_alert
    assert await _taken(harness, THURSDAY_10) == 1


async def test_a_restart_in_the_middle_resumes_at_the_same_step_with_what_was_entered(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_time_step(person, texts)
    await person.press("10:00")
    await person.send("Иванова Мария Петровна")
    restarted = await BotHarness.start(
        harness.app.settings,
        clock=FixedClock(harness.app.clock.now()),
        texts=texts,
        content=harness.app.content,
    )
    try:
        again = restarted.person(user_id=person.user.id)
        calls = await again.send("+79200000001")
        summary = texts_of(calls)[0]
        assert "чт, 26.11.2026 в 10:00" in summary and "Иванова Мария Петровна" in summary
        await again.press(texts.get("booking-confirm"))
        assert "Вы записаны" in texts_of(await again.deliver())[-1]
    finally:
        await restarted.close()
    assert await _taken(harness, THURSDAY_10) == 1


async def test_back_goes_one_step_back_and_from_the_first_step_leaves(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await person.send(texts.get("menu-booking"))
    days = await person.press(texts.get("booking-topic-metering"))
    await person.press("чт, 26.11")
    # Another day can be picked from the days still on screen.
    [days_message] = [c for c in days if inline_buttons(c)]
    person.last_inline = [
        (label, data, person.last_inline[0][2]) for label, data in inline_buttons(days_message)
    ]
    calls = await person.press("пт, 27.11")
    assert texts_of(calls)[0].startswith("пт, 27.11: выберите время")
    assert await _state(harness, person) == BookVisit.time.state
    calls = await person.send(texts.get("nav-back"))
    assert texts_of(calls) == [texts.get("booking-ask-day")]
    assert await _state(harness, person) == BookVisit.day.state
    await person.send(texts.get("nav-back"))
    assert await _state(harness, person) == BookVisit.topic.state
    calls = await person.send(texts.get("nav-back"))
    assert texts_of(calls) == [texts.get("cancel-done")]
    assert await _state(harness, person) is None
    # A button of the left dialog is stale now.
    calls = await person.press(texts.get("booking-topic-metering"))
    answers = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert answers[0].text == texts.get("fallback-stale-button")


async def test_staff_see_the_days_list(harness: BotHarness, texts: Texts) -> None:
    """What the lead's /day shows: times, names, phones, topics."""
    from dialogs.booking.render import day_csv_text, day_text

    person = await _linked(harness, texts)
    number = await _book_in_dialog(person, texts)
    await _caller_books(harness, THURSDAY_10 - timedelta(hours=1), "+79200000011")
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    day = (THURSDAY_10 + MSK).date()
    bookings = await _service(harness, uow).day(day)
    await uow.rollback()
    zone = harness.app.config.zone
    text = day_text(texts, day, bookings, zone, plain=True)
    lines = text.splitlines()
    assert lines[0] == "Записи на приём на 26.11.2026 (чт): 2"
    assert lines[1].startswith("09:00 З-2026-") and "Петров Сергей, +79200000011" in lines[1]
    assert "по телефону" in lines[1]
    assert lines[2] == (
        f"10:00 {number} Иванова Мария Петровна, +79200000001 — Приборы учёта и показания "
        "(через бота)"
    )
    csv_lines = day_csv_text(texts, bookings, zone).splitlines()
    assert csv_lines[0] == "время,номер,вопрос,ФИО,телефон,как записан"
    assert csv_lines[2] == (
        f"10:00,{number},Приборы учёта и показания,Иванова Мария Петровна,+79200000001,через бота"
    )


async def test_withdrawing_consent_cancels_upcoming_visits_and_their_reminders(
    harness: BotHarness, texts: Texts
) -> None:
    """152-ФЗ: after a withdrawal nothing more is sent to the person, reminders included."""
    person = await _linked(harness, texts)
    await _book_in_dialog(person, texts)
    assert {row.status for row in (await _outbox(harness)).values()} == {"pending"}
    await person.send("/mydata")
    await person.press(texts.get("mydata-withdraw-button"))
    await person.press(texts.get("mydata-withdraw-yes"))
    withdrawn = texts.get("mydata-withdrawn", accounts=1, bookings=1)
    assert withdrawn in texts_of(await person.deliver())  # queued with the withdrawal
    assert [row.status for row in await _bookings(harness)] == ["cancelled"]
    assert {row.status for row in (await _outbox(harness)).values()} == {"dropped"}
