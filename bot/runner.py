"""Long polling: the bot, the scheduler and a clean shutdown."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.factory import build_app, build_bot, set_commands
from bot.settings import Settings
from bot.texts import Texts
from notifier.scheduler import build_scheduler

logger = logging.getLogger(__name__)


async def run_polling(settings: Settings, texts: Texts) -> int:
    app = await build_app(settings, texts=texts)
    bot = build_bot(settings)
    scheduler = build_scheduler(
        app.sessionmaker, clock=app.clock, policy=app.config.link_policy, zone=app.config.zone
    )

    async def on_startup(bot: Bot) -> None:
        try:
            await set_commands(bot, texts)
        except TelegramAPIError as error:
            # A local Bot API emulator may not implement it; the bot works without the list.
            logger.warning("setMyCommands failed: %s", type(error).__name__)
        scheduler.start()

    async def on_shutdown() -> None:
        scheduler.shutdown(wait=False)

    app.dispatcher.startup.register(on_startup)
    app.dispatcher.shutdown.register(on_shutdown)
    try:
        await app.dispatcher.start_polling(bot, handle_signals=True)
    finally:
        await bot.session.close()
        await app.close()
    return 0
