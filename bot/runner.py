"""Long polling: the start-up checks, the bot, the leader's singletons (bot/roles.py: in one
process they always run here) and a clean shutdown."""

from __future__ import annotations

import logging
import sys

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiohttp import web

from bot.delivery import staff_chat_is_forum
from bot.doctor import startup_warnings
from bot.factory import App, build_app, build_bot, set_commands
from bot.observability import add_routes, start_server
from bot.process import freeze_startup_objects
from bot.roles import (
    LeaderRoles,
    ProcessTasks,
    deadline_jobs,
    finish_registry_imports,
    notice_jobs,
)
from bot.settings import Settings
from bot.startup import StartupFault, check_bot_api, prepare_database, shown_database
from core.texts import Texts
from storage.leader import SoleLeader

__all__ = ["App", "deadline_jobs", "finish_registry_imports", "notice_jobs", "run_polling"]

logger = logging.getLogger(__name__)


async def run_polling(settings: Settings, texts: Texts) -> int:
    """Checks the token and the database first (bot/startup.py: a StartupFault, and nothing
    has started), then runs until a signal stops it."""
    bot = build_bot(settings)
    try:
        me = await check_bot_api(bot, settings.telegram.api_url)
        await prepare_database(settings)
    except StartupFault:
        await bot.session.close()
        raise
    # The staff chat, SMTP and Redis as `reception doctor` sees them: warnings, not faults
    # (without a staff chat appeals reach nobody, and nothing else would say so).
    warnings = await startup_warnings(bot, me, settings, texts)
    if warnings:
        print("\n".join([texts.plain("doctor-run-warnings"), *warnings]), file=sys.stderr)
    print(
        texts.plain(
            "run-starting",
            api=settings.telegram.api_url,
            database=shown_database(settings.database.url),
        ),
        file=sys.stderr,
    )
    app = await build_app(settings, texts=texts, migrate=False)
    freeze_startup_objects()
    background = ProcessTasks(app)
    observability: web.AppRunner | None = None
    if settings.metrics_port is not None:
        web_app = web.Application()
        add_routes(web_app, metrics=app.metrics, engine=app.engine)
        observability = await start_server(
            web_app, host=settings.metrics_host, port=settings.metrics_port
        )

    async def on_startup(bot: Bot) -> None:
        try:
            await set_commands(bot, texts, settings.staff.chat_id)
        except TelegramAPIError as error:
            # A local Bot API emulator may not implement it; the bot works without the list.
            logger.warning("setMyCommands failed: %s", type(error).__name__)
        forum = await staff_chat_is_forum(bot, settings.staff.chat_id)
        roles = LeaderRoles(app, bot, texts=texts, election=SoleLeader(), forum=forum)
        # The one process is the leader: its singletons run before the first update.
        await background.start(roles, wait_elected=True)

    app.dispatcher.startup.register(on_startup)
    app.dispatcher.shutdown.register(background.stop)
    try:
        await app.dispatcher.start_polling(bot, handle_signals=True)
    finally:
        if observability is not None:
            await observability.cleanup()
        await bot.session.close()
        await app.close()
    return 0
