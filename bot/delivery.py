"""The sending side of the outbox in a running bot: the sender with the staff-chat channel,
woken by every commit that queued a message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.container import Services
from bot.factory import App
from domain.ids import UserId
from domain.rate_limit import RateLimiter
from notifier.appeal_notices import EMAIL_METHOD, STAFF_METHOD
from notifier.email import EmailChannel, SmtpConfig
from notifier.exports import EXPORT_METHOD, Builder, ExportChannel
from notifier.outbox import CustomHandler, OutboxSender
from notifier.staff_channel import StaffChannel, card_renderer
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
            app.sessionmaker, clock=app.clock, builders={"readings": _readings_file(app)}
        ),
    }
    settings = app.settings
    if settings.smtp_host and settings.smtp_from:
        handlers[EMAIL_METHOD] = EmailChannel(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_from,
                username=settings.smtp_user,
                password=settings.smtp_password.get_secret_value()
                if settings.smtp_password
                else None,
                starttls=settings.smtp_starttls,
                ssl=settings.smtp_ssl,
            ),
            app.sessionmaker,
            clock=app.clock,
            texts=app.texts,
            zone=app.config.zone,
            staff_chat_id=settings.staff_chat_id,
        )
    sender = OutboxSender(
        app.sessionmaker,
        bot,
        app.clock,
        limiter or RateLimiter(global_per_second=app.settings.outbox_rate),
        on_blocked=_blocked(app),
        handlers=handlers,
        in_flight=app.settings.outbox_in_flight,
        allow_paid_broadcast=app.settings.outbox_paid_broadcast,
        sleep=sleep,
        only_chat=only_chat,
    )
    app.config.wake_outbox = sender.wake
    return sender
