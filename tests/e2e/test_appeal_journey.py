"""Filing an appeal with the real bot process against the emulator (SPEC §2)."""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
from collections.abc import Callable

from .client import BotProcess, EmulatorUser, WaitTimeoutError
from .conftest import UserFactory
from .test_journey import consent

COMPLAINT = "Третий день по вечерам мигает свет и гаснет на несколько минут."


def _photo(unique: str) -> list[dict[str, object]]:
    return [
        {
            "file_id": f"ph-{unique}",
            "file_unique_id": unique,
            "width": 800,
            "height": 600,
            "file_size": 120_000,
        }
    ]


async def _link(user: EmulatorUser) -> None:
    await consent(user)
    await user.send_command("/accounts")
    await user.wait_for_text("нет привязанных лицевых счетов")
    await user.press("Привязать лицевой счёт")
    await user.wait_for_text("Введите номер лицевого счёта")
    await user.send_text("1000000001")
    await user.wait_for_text("фамилию владельца")
    await user.send_text("Иванова")
    await user.wait_for_text("привязан")


async def _to_text(user: EmulatorUser) -> None:
    await user.press_reply("Подать обращение")
    await user.wait_for_text("Выберите вид обращения")
    await user.press("Жалоба или претензия")
    await user.wait_for_text("Выберите тему")
    await user.press("Качество обслуживания")
    await user.wait_for_text("Опишите суть обращения")


def _appeals_in(bot_env: dict[str, str]) -> int:
    url = bot_env["DATABASE_URL"]
    if not url.startswith("sqlite"):
        return -1
    with sqlite3.connect(url.split("///", 1)[1]) as connection:
        return int(connection.execute("SELECT count(*) FROM appeals").fetchone()[0])


async def test_a_linked_consumer_files_a_complaint_with_two_photos(
    start_bot: Callable[[], BotProcess],
    make_user: UserFactory,
    bot_env: dict[str, str],
) -> None:
    bot = start_bot()
    user = make_user(first_name="Мария")
    await _link(user)

    # /cancel in the middle leaves nothing registered.
    await _to_text(user)
    await user.send_text(COMPLAINT)
    await user.wait_for_text("Приложите фото")
    await user.send_command("/cancel")
    await user.wait_for_text("Действие отменено")
    if _appeals_in(bot_env) >= 0:
        assert _appeals_in(bot_env) == 0

    # A second try, with an album of two photos and a restart in the middle.
    await _to_text(user)
    await user.send_text(COMPLAINT)
    await user.wait_for_text("Приложите фото")
    await user.send_message({"photo": _photo("one"), "media_group_id": "album-7"})
    await user.wait_for_text("Альбом принимаю")
    await user.send_message({"photo": _photo("two"), "media_group_id": "album-7"})
    await user.press("Готово")
    await user.wait_for_text("фамилия, имя и отчество")

    bot.kill()
    bot.start()

    await user.press("Иванова Мария Петровна")
    # The first answer after a restart waits for the process to start (seconds under load).
    await user.wait_for_text("Адрес, к которому относится", timeout=60)
    await user.press("Пропустить")
    await user.wait_for_text("Как вам удобнее получить ответ")
    await user.press("В этот чат")
    await user.wait_for_text("Относитесь ли вы")
    await user.press("Не указывать")
    summary = await user.wait_for_text("Проверьте обращение", timeout=30)
    assert "Файлы: 2" in summary.content and COMPLAINT in summary.content
    await user.press("Отправить")
    registered = await user.wait_for_text("Обращение зарегистрировано", timeout=30)
    assert re.search(r"ВЭ-\d{4}-\d{6}", registered.content)
    assert re.search(r"не позднее <b>\d{2}\.\d{2}\.\d{4}</b>", registered.content)
    if _appeals_in(bot_env) >= 0:
        assert _appeals_in(bot_env) == 1


async def test_a_kill_within_100_ms_of_submit_loses_no_confirmation_and_repeats_none(
    start_bot: Callable[[], BotProcess],
    make_user: UserFactory,
    bot_env: dict[str, str],
) -> None:
    """Issue 11: whenever the kill comes, the person ends with one appeal and one confirmation:
    sent after the restart if the appeal was stored, or the press is simply made again."""
    bot = start_bot()
    user = make_user(first_name="Мария")
    await _link(user)
    await _to_text(user)
    await user.send_text(COMPLAINT)
    await user.wait_for_text("Приложите фото")
    await user.press("Готово")
    await user.wait_for_text("фамилия, имя и отчество")
    await user.press("Иванова Мария Петровна")
    await user.wait_for_text("Адрес, к которому относится")
    await user.press("Пропустить")
    await user.wait_for_text("Как вам удобнее получить ответ")
    await user.press("В этот чат")
    await user.wait_for_text("Относитесь ли вы")
    await user.press("Не указывать")
    await user.wait_for_text("Проверьте обращение", timeout=30)

    await user.press("Отправить")
    await asyncio.sleep(random.uniform(0, 0.1))  # 0–100 ms after the press
    bot.kill()
    bot.start()

    try:
        await user.wait_for_text("Обращение зарегистрировано", timeout=60)
    except WaitTimeoutError:
        # Killed before anything was stored: the summary is still there, press again.
        assert _appeals_in(bot_env) in (0, -1)
        await user.press("Отправить")
        await user.wait_for_text("Обращение зарегистрировано", timeout=30)
    await user.fetch(wait=2.0)  # a repeat would come within this
    confirmations = [m for m in user.inbox if "Обращение зарегистрировано" in m.content]
    assert len(confirmations) == 1
    if _appeals_in(bot_env) >= 0:
        assert _appeals_in(bot_env) == 1
