"""Update and request middlewares: one unit of work per update, handled once, committed
before anything is said to the person."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.middlewares.base import BaseMiddleware
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services import Services
from core.config import AppConfig
from domain.clock import Clock
from domain.content import ContentLibrary
from storage.cache import PersonCache
from storage.dedup import UpdateDeduplicator
from storage.freshness import FreshCaches
from storage.uow import DuplicateUpdate, UnitOfWork, current_uow

logger = logging.getLogger(__name__)


class FreshCachesMiddleware(BaseMiddleware):
    """Outer update middleware, before the FSM's (which reads the dialog state): if another
    process has committed since the last update, drop this process's caches first
    (storage/freshness.py)."""

    def __init__(self, fresh: FreshCaches) -> None:
        self._fresh = fresh

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        await self._fresh.refresh()
        return await handler(event, data)


class UnitOfWorkMiddleware(BaseMiddleware):
    """Outer update middleware: skip duplicates, open a lazy unit of work, commit at the end,
    roll back on error (the person's dialog state then stays where it was)."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        dedup: UpdateDeduplicator,
        clock: Clock,
        config: AppConfig,
        content: ContentLibrary,
        fsm_storage: BaseStorage,
        cache: PersonCache | None,
    ) -> None:
        self._cache = cache
        self._sessionmaker = sessionmaker
        self._dedup = dedup
        self._clock = clock
        self._config = config
        self._content = content
        self._fsm_storage = fsm_storage

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        if not self._dedup.claim(event.update_id):
            logger.info("update %d is a duplicate: skipped", event.update_id)
            return UNHANDLED
        chat = data.get("event_chat")
        uow = UnitOfWork(
            self._sessionmaker,
            clock=self._clock,
            update_id=event.update_id,
            chat_id=chat.id if chat is not None else None,
            piggyback=self._dedup.piggyback,
        )
        bot: Bot = data["bot"]
        data["uow"] = uow
        data["services"] = Services(
            uow,
            clock=self._clock,
            config=self._config,
            content=self._content,
            fsm_storage=self._fsm_storage,
            bot_id=bot.id,
            cache=self._cache,
        )
        token = uow.bind()
        try:
            result = await handler(event, data)
            uow.handled = True
            await uow.commit()
            if uow.awaits_answer:
                # Its record was stored before the replies went out; they have now.
                self._dedup.answered(event.update_id)
        except DuplicateUpdate:
            logger.info("update %d was already processed: skipped", event.update_id)
            return UNHANDLED
        except BaseException:
            await uow.rollback()
            raise
        finally:
            UnitOfWork.unbind(token)
        return result


class CommitBeforeSend(BaseRequestMiddleware):
    """Before any Bot API request, store what the current update has written: the person is
    never told of something that is not yet in the database, and SQLite's only connection
    is not held across a network round trip."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        uow = current_uow()
        if uow is not None:
            await uow.commit()
        return await make_request(bot, method)
