"""The real bot process (`reception run`) against the Telegram Bot API emulator on
127.0.0.1, driven like a person: text, reply-keyboard buttons, inline buttons."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .client import BotProcess, EmulatorUser
from .conftest import UserFactory

ROOT = Path(__file__).resolve().parents[2]
RECEPTION = str(Path(sys.executable).parent / "reception")


async def consent(user: EmulatorUser) -> None:
    await user.send_command("/start")
    await user.wait_for_text("интернет-приёмная", timeout=30)
    await user.wait_for_text("152-ФЗ")
    await user.press("Согласен")
    await user.wait_for_text("согласие сохранено")


async def test_start_consent_menu_link_an_account_and_read_a_section(
    start_bot: Callable[[], BotProcess], make_user: UserFactory
) -> None:
    start_bot()
    user = make_user(first_name="Мария")
    await consent(user)
    keyboard = user.current_reply_keyboard()
    assert keyboard is not None and ["ℹ️ Справка", "👤 Лицевые счета"] in keyboard

    await user.press_reply("Лицевые счета")
    await user.wait_for_text("нет привязанных лицевых счетов")
    await user.press("Привязать лицевой счёт")
    await user.wait_for_text("Введите номер лицевого счёта")
    await user.send_text("1000000001")
    await user.wait_for_text("фамилию владельца")
    await user.send_text("Иванова")
    linked = await user.wait_for_text("привязан")
    assert "1000000001" in linked.content and "Иванова М. П." in linked.content

    await user.press_reply("Справка")
    await user.wait_for_text("Справочная информация")
    await user.press("Адреса и часы работы")
    page = await user.wait_for_text("Адреса и часы работы")
    assert "Демонстрационные данные" in page.content
    assert page.find_button("Назад") is not None


async def test_the_bot_killed_in_the_middle_of_linking_continues_at_the_same_step(
    start_bot: Callable[[], BotProcess], make_user: UserFactory
) -> None:
    bot = start_bot()
    user = make_user(first_name="Сергей")
    await consent(user)
    await user.send_command("/accounts")
    await user.wait_for_text("нет привязанных лицевых счетов")
    await user.press("Привязать лицевой счёт")
    await user.wait_for_text("Введите номер лицевого счёта")
    await user.send_text("1000000002")
    await user.wait_for_text("фамилию владельца")

    bot.kill()  # SIGKILL: no shutdown, no flushing
    bot.start()

    await user.send_text("Петров")
    linked = await user.wait_for_text("Лицевой счёт № <b>1000000002</b> привязан", timeout=30)
    assert "Петров С. И." in linked.content


async def test_the_bot_log_carries_no_personal_data(
    start_bot: Callable[[], BotProcess], make_user: UserFactory
) -> None:
    bot = start_bot()
    user = make_user(first_name="Мария")
    await consent(user)
    await user.send_command("/accounts")
    await user.wait_for_text("нет привязанных лицевых счетов")
    await user.press("Привязать лицевой счёт")
    await user.wait_for_text("Введите номер лицевого счёта")
    await user.send_text("1000000001")
    await user.wait_for_text("фамилию владельца")
    await user.send_text("Иваноff +79200000001")
    await user.wait_for_text("Не удалось привязать счёт")
    await user.send_text("Иванова")
    await user.wait_for_text("привязан")
    await user.send_command("/mydata")
    await user.wait_for_text("Что мы о вас храним")
    bot.stop()
    log = bot.log_text
    assert "is handled" in log  # the log was written, at DEBUG level
    for secret in ("Иванова", "Иваноff", "Мария", "+79200000001", "maria@example.ru", "Ленина"):
        assert secret not in log
    # No STAFF_CHAT_ID: `reception run` said at start that appeals would reach nobody (and
    # logged it), then started all the same (bot/doctor.py).
    assert "STAFF_CHAT_ID" in log and "start-up check: ❌" in log
