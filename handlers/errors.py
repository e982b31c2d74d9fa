"""Errors. An expected refusal (a `DomainError`) is told as its text by `DomainErrors`, inside
the update's unit of work; anything else reaches the global error handler: an apology to the
person, a log line without personal data. The update's unit of work has been rolled back by
then, so the dialog stays where it was.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject

from core.texts import Texts
from domain.errors import DomainError
from handlers.render import refusal_text

logger = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot, texts: Texts) -> bool:
    exc = event.exception
    # Only the exception type and where it happened: its message may quote personal data
    # (an SQL parameter, the text a person typed), and so may a source line.
    frames = "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)[-8:]
    )
    logger.error(
        "update %s failed with %s\n%s", event.update.update_id, type(exc).__name__, frames
    )
    chat_id = _chat_of(event)
    if event.update.callback_query is not None:
        with contextlib.suppress(TelegramAPIError):
            await event.update.callback_query.answer(texts.get("error-apology-short"))
    if chat_id is not None:
        try:
            await bot.send_message(chat_id, texts.get("error-apology"))
        except TelegramAPIError as send_error:
            logger.warning(
                "could not apologise for update %s: %s",
                event.update.update_id,
                type(send_error).__name__,
            )
    return True


def _chat_of(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return None


Reply = Callable[[Message, str, dict[str, Any]], None]
"""How a refusal is told in answer to a message (the message, the text, the handler data):
queued, so nothing is awaited."""


class DomainErrors(BaseMiddleware):
    """One renderer for refusals: a `DomainError` a handler raises is told as its text
    (handlers/render.py `refusal_text`), an alert under a pressed button, a reply to a
    message (`reply`). Handlers raise; none catches a DomainError to say it.

    An inner middleware, so it runs inside the update's unit of work (bot/middlewares.py):
    what the handler did before the refusal (a dialog step kept, a state set) and the reply
    are committed together, as when each handler caught its errors. An errors router would
    see the exception only after the unit of work rolled back. Any other exception goes on
    to the errors router below."""

    def __init__(self, reply: Reply) -> None:
        self._reply = reply

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except DomainError as error:
            text = refusal_text(data["texts"], error)
            if isinstance(event, CallbackQuery):
                await event.answer(text, show_alert=True)
            elif isinstance(event, Message):
                self._reply(event, text, data)
            return None


def build_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
