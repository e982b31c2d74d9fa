"""Long polling: the start-up checks, the bot, the scheduler and a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiohttp import web

from bot.delivery import build_file_fetcher, build_sender, staff_chat_is_forum
from bot.factory import App, build_app, build_bot, set_commands
from bot.observability import add_routes, start_server
from bot.process import freeze_startup_objects
from bot.settings import Settings
from bot.startup import StartupFault, check_bot_api, prepare_database, shown_database
from core.texts import Texts
from handlers.resume import offer_resume
from notifier.deadlines import DEADLINE_JOB, DIGEST_JOB, DeadlinePolicy
from notifier.notices import NOTICE_JOB, READINGS_JOB
from notifier.retention import DRAFTS_ERASED_KEY, POLICY_KEY, retention_job
from notifier.scheduler import JobSpec, build_scheduler
from services.account_import import StagedAccountImport
from storage.account_import import SqlRegistryImports
from storage.fsm import DatabaseStorage

logger = logging.getLogger(__name__)


def deadline_jobs(settings: Settings) -> list[JobSpec]:
    """Deadline control (SPEC §4): the warnings check every few minutes (a missed run is made
    up by the next: the check is driven by the appeals' state) and the daily digest, which
    runs once at start if the bot was down at its hour."""
    return [
        JobSpec(
            id="deadline-check",
            func=DEADLINE_JOB,
            trigger="interval",
            trigger_kwargs={"minutes": settings.appeals.deadline_check_minutes},
            misfire_grace_time=None,
        ),
        JobSpec(
            id="daily-digest",
            func=DIGEST_JOB,
            trigger="cron",
            trigger_kwargs={"hour": settings.appeals.digest_hour, "minute": 0},
        ),
    ]


def notice_jobs(settings: Settings) -> list[JobSpec]:
    """Notices (SPEC §8): due ones are queued every NOTICE_POLL_SECONDS (the schedule lives
    in the notices table, so a restart neither loses nor repeats one); the monthly readings
    reminder on the window's first day at the send hour."""
    return [
        JobSpec(
            id="notice-dispatch",
            func=NOTICE_JOB,
            trigger="interval",
            trigger_kwargs={"seconds": settings.notices.poll_seconds},
            misfire_grace_time=None,
        ),
        JobSpec(
            id="readings-reminder",
            func=READINGS_JOB,
            trigger="cron",
            trigger_kwargs={
                "day": settings.readings.window_start_day,
                "hour": settings.notices.send_hour,
                "minute": 0,
            },
        ),
    ]


async def finish_registry_imports(app: App) -> int:
    """A registry import interrupted while applying is finished by the bot at start (in the
    background, in short transactions: services/account_import.py). Returns the accounts
    applied."""
    importer = StagedAccountImport(
        imports=SqlRegistryImports(
            app.sessionmaker, clock=app.clock, cache=app.cache, checkpoints=False
        )
    )
    try:
        applied = await importer.finish_pending(now=app.clock.now())
    except Exception as error:  # the next import finishes it instead
        logger.error("finishing an interrupted registry import failed: %s", type(error).__name__)
        return 0
    if applied:
        logger.info("finished an interrupted registry import: %d accounts", applied)
    return applied


async def run_polling(settings: Settings, texts: Texts) -> int:
    """Checks the token and the database first (bot/startup.py: a StartupFault, and nothing
    has started), then runs until a signal stops it."""
    bot = build_bot(settings)
    try:
        await check_bot_api(bot, settings.telegram.api_url)
        await prepare_database(settings)
    except StartupFault:
        await bot.session.close()
        raise
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
    extra: dict[str, Any] = {
        "texts": texts,
        "deadline_policy": DeadlinePolicy(
            zone=app.config.zone,
            calendar=app.config.calendar,
            staff_chat_id=settings.staff.chat_id,
        ),
        "notice_desk": app.notice_desk,
        "readings_start_day": settings.readings.window_start_day,
        "readings_end_day": settings.readings.window_end_day,
        POLICY_KEY: settings.retention.policy,
    }
    if isinstance(app.storage, DatabaseStorage):
        # Dialog drafts the retention job erased are not served from the cache afterwards.
        extra[DRAFTS_ERASED_KEY] = app.storage.reset
    scheduler = build_scheduler(
        app.sessionmaker,
        clock=app.clock,
        policy=app.config.link_policy,
        zone=app.config.zone,
        database_url=settings.database.url,
        jobs=[
            *deadline_jobs(settings),
            *notice_jobs(settings),
            retention_job(settings.retention.hour),
        ],
        extra=extra,
    )

    stop = asyncio.Event()
    tasks: list[asyncio.Task[Any]] = []
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
        sender = build_sender(app, bot, forum=forum)
        extra["wake_outbox"] = sender.wake
        # People whose last input a crash left unanswered are offered to go on (queued
        # before the sender starts, so it goes in its first round).
        await offer_resume(
            sessionmaker=app.sessionmaker,
            clock=app.clock,
            dedup=app.dedup,
            storage=app.storage,
            bot_id=bot.id,
            texts=texts,
        )
        # Whatever was queued before a crash or restart goes out first.
        tasks.append(asyncio.create_task(sender.run_forever(stop), name="outbox"))
        # Files people sent go to the company's storage; what a crash left pending first.
        fetcher = build_file_fetcher(app, bot)
        tasks.append(asyncio.create_task(fetcher.run_forever(stop), name="files"))
        tasks.append(
            asyncio.create_task(
                app.dedup.keep_storing_answered(app.sessionmaker, clock=app.clock, stop=stop),
                name="answered-marks",
            )
        )
        tasks.append(asyncio.create_task(finish_registry_imports(app), name="registry-import"))
        await app.notice_desk.kick()  # notices that fell due while the bot was down
        scheduler.start()

    async def on_shutdown() -> None:
        scheduler.shutdown(wait=False)
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)

    app.dispatcher.startup.register(on_startup)
    app.dispatcher.shutdown.register(on_shutdown)
    try:
        await app.dispatcher.start_polling(bot, handle_signals=True)
    finally:
        if observability is not None:
            await observability.cleanup()
        await bot.session.close()
        await app.close()
    return 0
