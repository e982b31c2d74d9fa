"""The sending side of the outbox in a running bot: the sender with the staff-chat channel,
woken by every commit that queued a message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from app.services import Services
from bot.factory import App
from domain.delivery import ConsumerMessage, Undelivery
from domain.ids import UserId
from domain.rate_limit import RateLimiter
from notifier.appeal_notices import EMAIL_METHOD, STAFF_METHOD
from notifier.email import EmailChannel, SmtpConfig
from notifier.exports import EXPORT_METHOD, Builder, ExportChannel
from notifier.file_fetch import BotFileSource, FileFetcher
from notifier.file_resend import StoredFileResend
from notifier.outbox import CustomHandler, OutboxSender, Undelivered
from notifier.report_export import (
    PICTURE_METHOD,
    REPORT_EXPORT,
    ReportPictureChannel,
    xlsx_builder,
)
from notifier.staff_channel import StaffChannel, card_renderer
from notifier.web_links import WEB_LINK_METHOD, WebLinkChannel
from services.files import FileKeeper
from services.readings import readings_csv
from storage.subscriptions import SqlSubscriptionStore
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


async def staff_chat_is_forum(bot: Bot, chat_id: int | None) -> bool:
    """Whether the staff chat has forum topics (one topic per appeal) or not (cards)."""
    if chat_id is None:
        return False
    try:
        chat = await bot.get_chat(chat_id)
    except TelegramAPIError as error:
        logger.warning("staff chat not readable (%s): cards, no topics", type(error).__name__)
        return False
    return bool(chat.is_forum)


def _readings_file(app: App) -> Builder:
    """The month's readings for billing, the file `reception export readings` writes."""

    async def build(uow: UnitOfWork, period: str) -> tuple[str, bytes, str]:
        services = Services(
            uow,
            clock=app.clock,
            config=app.config,
            content=app.content,
            fsm_storage=app.storage,
            bot_id=0,
        )
        rows = await services.readings.export(period)
        caption = app.texts.get("staff-readings-file", period=period, count=len(rows))
        return f"readings-{period}.csv", readings_csv(rows, zone=app.config.zone), caption

    return build


def _blocked(app: App) -> Callable[[int], Awaitable[None]]:
    """403 from a person's chat: they blocked the bot; no notice goes to them any more."""

    async def mark(chat_id: int) -> None:
        if chat_id <= 0:
            return  # a group or a queue id, not a person
        uow = UnitOfWork(app.sessionmaker, clock=app.clock)
        try:
            await SqlSubscriptionStore(uow).mark_blocked(UserId(chat_id), at=app.clock.now())
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise

    return mark


def _undelivered(app: App) -> Callable[[Undelivered], Awaitable[None]]:
    """A message an appeal stands on did not reach the consumer: staff get a task (once per
    message, whatever part or retry reports it)."""

    async def report(row: Undelivered) -> None:
        if app.config.texts is None or app.settings.staff.chat_id is None:
            return  # no staff chat to tell: the outcome stays in the outbox
        try:
            message, why = ConsumerMessage(row.purpose), Undelivery(row.status)
        except ValueError:
            logger.warning("outbox row %d: nothing to report for %r", row.row_id, row.purpose)
            return
        uow = UnitOfWork(app.sessionmaker, clock=app.clock)
        try:
            services = Services(
                uow,
                clock=app.clock,
                config=app.config,
                content=app.content,
                fsm_storage=app.storage,
                bot_id=0,
            )
            await services.staff_desk.report_undelivered(
                row.appeal_id,
                message=message,
                why=why,
                origin=f"{row.purpose}@{row.queued_at.isoformat()}",
            )
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise

    return report


def file_keeper(app: App, bot: Bot) -> FileKeeper:
    assert app.files is not None
    return FileKeeper(source=BotFileSource(bot), store=app.files, clock=app.clock)


def build_file_fetcher(app: App, bot: Bot) -> FileFetcher:
    """Fetches the files people send into the company's storage, woken by each commit that
    recorded one (services/files.py)."""
    fetcher = FileFetcher(app.sessionmaker, clock=app.clock, keeper=file_keeper(app, bot))
    app.config.wake_files.connect(fetcher.wake)
    return fetcher


def resend_stored_files(app: App, bot: Bot) -> None:
    """A file Telegram no longer knows by its id is uploaded from the company's storage
    (notifier/file_resend.py): installed once on the bot's session."""
    manager = bot.session.middleware
    if any(isinstance(known, StoredFileResend) for known in manager):
        return
    manager.register(
        StoredFileResend(app.sessionmaker, clock=app.clock, keeper=file_keeper(app, bot))
    )


def group_budget(app: App) -> RateLimiter:
    """Telegram's limits with the configured rate and staff-group budget."""
    telegram = app.settings.telegram
    return RateLimiter(
        global_per_second=telegram.outbox_rate,
        group_per_minute=telegram.outbox_group_limit,
        group_reserve=telegram.outbox_group_reserve,
        group_window=timedelta(seconds=telegram.outbox_group_window),
    )


def build_sender(
    app: App,
    bot: Bot,
    *,
    forum: bool,
    limiter: RateLimiter | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    only_chat: int | None = None,
) -> OutboxSender:
    channel = StaffChannel(
        app.sessionmaker,
        clock=app.clock,
        render=card_renderer(app.texts, zone=app.config.zone, clock=app.clock),
        forum=forum,
    )
    handlers: dict[str, CustomHandler] = {
        STAFF_METHOD: channel,
        EXPORT_METHOD: ExportChannel(
            app.sessionmaker,
            clock=app.clock,
            builders={
                "readings": _readings_file(app),
                REPORT_EXPORT: xlsx_builder(app.texts, zone=app.config.zone, clock=app.clock),
            },
        ),
        PICTURE_METHOD: ReportPictureChannel(
            app.sessionmaker, clock=app.clock, texts=app.texts, zone=app.config.zone
        ),
        WEB_LINK_METHOD: WebLinkChannel(
            app.sessionmaker,
            clock=app.clock,
            texts=app.texts,
            base_url=app.config.web_base_url,
        ),
    }
    settings = app.settings
    if settings.smtp.host and settings.smtp.sender:
        handlers[EMAIL_METHOD] = EmailChannel(
            SmtpConfig(
                host=settings.smtp.host,
                port=settings.smtp.port,
                sender=settings.smtp.sender,
                username=settings.smtp.user,
                password=settings.smtp.password.get_secret_value()
                if settings.smtp.password
                else None,
                starttls=settings.smtp.starttls,
                ssl=settings.smtp.ssl,
            ),
            app.sessionmaker,
            clock=app.clock,
            texts=app.texts,
            zone=app.config.zone,
            staff_chat_id=settings.staff.chat_id,
        )
    sender = OutboxSender(
        app.sessionmaker,
        bot,
        app.clock,
        limiter or group_budget(app),
        on_blocked=_blocked(app),
        on_undelivered=_undelivered(app),
        handlers=handlers,
        in_flight=app.settings.telegram.outbox_in_flight,
        allow_paid_broadcast=app.settings.telegram.outbox_paid_broadcast,
        sleep=sleep,
        only_chat=only_chat,
        on_stored=app.metrics.count_outcomes,
        on_pause=app.metrics.too_many.inc,
    )
    app.config.wake_outbox.connect(sender.wake)
    resend_stored_files(app, bot)
    return sender
