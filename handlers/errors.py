"""The global error handler: an apology to the person, a log line without personal data.

The update's unit of work has been rolled back by then, so the dialog stays where it was.
"""

from __future__ import annotations

import contextlib
import logging
import traceback

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.texts import Texts

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


def build_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
