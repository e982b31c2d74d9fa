"""Issue 15: the booking confirmation promises only the reminders that will really be sent
and names the office's address; moving a booking is a dialog with «Назад» / «Отмена»
below, not the main menu. The clock: Tuesday 24.11.2026 10:00 in Moscow."""

from __future__ import annotations

import dataclasses

import pytest
from aiogram.methods import SendMessage
from aiogram.types import ReplyKeyboardMarkup

from core.texts import Texts
from tests.fakes import texts_of
from tests.handlers.test_booking_dialog import _book_in_dialog, _linked, _to_time_step
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

ADDRESS = "г. Выкса, ул. Примерная, д. 10, 1-й этаж"


async def _book(person: Person, texts: Texts, *, day: str, time: str) -> str:
    """The confirmation the person gets (queued with the booking)."""
    await _to_time_step(person, texts, day)
    await person.press(time)
    await person.send("Иванова Мария Петровна")
    await person.send("8 (920) 000-00-01")
    await person.press(texts.get("booking-confirm"))
    return texts_of(await person.deliver())[-1]


@pytest.mark.parametrize(
    ("day", "time", "promise"),
    [
        ("чт, 26.11", "10:00", "both"),  # the evening before and 2 hours before
        ("вт, 24.11", "16:30", "h2"),  # today: 14:30 is still ahead, the evening before is not
        ("вт, 24.11", "10:30", "none"),  # in half an hour: no reminder at all
    ],
)
async def test_the_confirmation_promises_only_the_reminders_that_will_go(
    harness: BotHarness, texts: Texts, day: str, time: str, promise: str
) -> None:
    policy = harness.app.config.booking_policy
    assert policy is not None
    harness.configure(booking_policy=dataclasses.replace(policy, office_address=ADDRESS))
    person = await _linked(harness, texts)
    done = await _book(person, texts, day=day, time=time)
    assert texts.get("booking-reminders", what=promise) in done
    for other in {"both", "d1", "h2", "none"} - {promise}:
        assert texts.get("booking-reminders", what=other) not in done
    assert f"Адрес: {ADDRESS}" in done


async def test_without_an_address_set_the_reference_page_is_named(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    done = await _book(person, texts, day="чт, 26.11", time="10:00")
    assert f"Адрес: {texts.plain('booking-address-unknown')}" in done


async def test_moving_a_booking_shows_back_and_cancel_not_the_main_menu(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    number = await _book_in_dialog(person, texts)
    await person.send("/bookings")
    calls = await person.press(texts.plain("bookings-move-button", number=number))
    keyboards = [
        call.reply_markup
        for call in calls
        if isinstance(call, SendMessage) and isinstance(call.reply_markup, ReplyKeyboardMarkup)
    ]
    assert len(keyboards) == 1
    labels = [button.text for row in keyboards[0].keyboard for button in row]
    assert labels == [texts.get("nav-back"), texts.get("nav-cancel")]
    assert "Перенос записи" in texts_of(calls)[0]
    calls = await person.send(texts.get("nav-cancel"))
    assert texts.get("cancel-done") in texts_of(calls)
