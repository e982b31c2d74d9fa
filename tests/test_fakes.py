"""The recording fake refuses what Telegram refuses, so every test checks the limits."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import TelegramBadRequest

from tests.fakes import RecordingSession

TOKEN = "1000001:test-token"


@pytest.fixture
async def bot() -> Bot:
    return Bot(TOKEN, session=RecordingSession(), default=DefaultBotProperties(parse_mode="HTML"))


async def test_a_text_over_4096_after_html_parsing_is_refused(bot: Bot) -> None:
    await bot.send_message(1, "<b>" + "а" * 4096 + "</b>")  # tags count nothing
    await bot.send_message(1, "&amp;" * 4096)  # an entity counts one
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1, "а" * 4097)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1, "🙂" * 2049)  # two UTF-16 units each
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.edit_message_text("а" * 4097, chat_id=1, message_id=1)


async def test_an_empty_text_and_a_caption_over_1024_are_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1, "<b> </b>")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(-100, "photo-id", caption="п" * 1025)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.copy_message(1, -100, 5, caption="п" * 1025)
