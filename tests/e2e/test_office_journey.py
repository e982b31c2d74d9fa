"""Meter readings and office booking with the real bot process against the emulator (SPEC
§5, §6; acceptance 1 of the readings-and-booking issue): a linked consumer sends a two-zone
reading, is refused a value lower than the last one, corrects it and gets a receipt; then
books a slot, sees it in «Мои записи» and cancels it."""

from __future__ import annotations

import re
from collections.abc import Callable

from .client import BotMessage, BotProcess, EmulatorUser
from .conftest import UserFactory
from .test_appeal_journey import _link


async def _reading(user: EmulatorUser, day: str, night: str) -> BotMessage:
    await user.send_command("/readings")
    await user.wait_for_text("Т1 «день»")
    await user.send_text(day)
    await user.wait_for_text("Т2 «ночь»")
    await user.send_text(night)
    await user.wait_for_text("фото счётчика")
    await user.press("Пропустить")
    await user.wait_for_text("Проверьте показания")
    await user.press("Отправить")
    return await user.wait_for_text("Показания приняты")


async def _first_button(user: EmulatorUser, message: BotMessage) -> None:
    button = message.inline_buttons[0]
    await user.press(button.text, exact=True, message=message)


async def test_a_reading_with_a_typo_corrected_then_a_booking_made_and_cancelled(
    start_bot: Callable[[], BotProcess], make_user: UserFactory
) -> None:
    start_bot()
    user = make_user(first_name="Мария")
    await _link(user)

    first = await _reading(user, "12 500", "5100")
    assert re.search(r"П-\d{4}-\d{6}", first.content)

    # The second reading: a day value lower than the last is refused, then corrected.
    await user.send_command("/readings")
    await user.wait_for_text("Последнее принятое показание")
    await user.send_text("12400")
    await user.wait_for_text("меньше последнего принятого")
    await user.send_text("12600")
    await user.wait_for_text("Т2 «ночь»")
    await user.send_text("5200")
    await user.wait_for_text("фото счётчика")
    await user.press("Пропустить")
    confirmation = await user.wait_for_text("Проверьте показания")
    assert "расход 100" in confirmation.content  # 12 600 − 12 500 by day
    await user.press("Отправить")
    receipt = await user.wait_for_text("Показания приняты")
    assert re.search(r"П-\d{4}-\d{6}", receipt.content)

    # Booking: topic, the first day with places, the first free time, name, phone.
    await user.send_command("/booking")
    await user.wait_for_text("По какому вопросу")
    await user.press("Приборы учёта")
    days = await user.wait_for_text("Выберите день")
    await _first_button(user, days)
    times = await user.wait_for_text("выберите время")
    await _first_button(user, times)
    await user.wait_for_text("Как вас записать")
    await user.send_text("Иванова Мария Петровна")
    await user.wait_for_text("Ваш телефон")
    await user.send_text("8 920 000-00-01")
    await user.wait_for_text("Проверьте запись")
    await user.press("✅ Записаться", exact=True)
    done = await user.wait_for_text("Вы записаны на приём")
    number = re.search(r"З-\d{4}-\d{6}", done.content)
    assert number

    await user.send_command("/bookings")
    mine = await user.wait_for_text("Ваши записи на приём")
    assert number.group(0) in mine.content
    await user.press(f"Отменить {number.group(0)}", message=mine)
    await user.wait_for_text("Отменить запись")
    await user.press("Да, отменить")
    await user.wait_for_text("отменена")
    await user.send_command("/bookings")
    await user.wait_for_text("нет предстоящих записей")
