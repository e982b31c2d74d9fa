"""The emulator refuses what Telegram refuses for its length (issue 11), so every e2e test
checks that the real bot process never sends a text or caption over Telegram's limits."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from .client import Emulator

pytestmark = pytest.mark.asyncio


async def test_texts_over_4096_and_captions_over_1024_are_refused(
    emulator: Emulator, bot_token: str
) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bot = Bot(bot_token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        # Counted as shown: tags count nothing, an entity one, an emoji two (UTF-16).
        sent = await bot.send_message(1, "<b>" + "а" * 4095 + "</b>&amp;")
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.send_message(1, "а" * 4097)
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.send_message(1, "🙂" * 2049)
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.edit_message_text("а" * 4097, chat_id=1, message_id=sent.message_id)
        with pytest.raises(TelegramBadRequest, match="message text is empty"):
            await bot.send_message(1, "<b> </b>")
        photo = BufferedInputFile(b"\x89PNG", filename="p.png")
        with pytest.raises(TelegramBadRequest, match="message caption is too long"):
            await bot.send_photo(1, photo, caption="п" * 1025)
        await bot.send_photo(1, photo, caption="п" * 1024)
        with pytest.raises(TelegramBadRequest, match="message caption is too long"):
            await bot.copy_message(1, 1, sent.message_id, caption="п" * 1025)
    finally:
        await bot.session.close()
