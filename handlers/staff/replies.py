"""Saying things in the staff chat. Everything the bot says there goes through the outbox
(Telegram allows about 20 messages a minute into a group); only the answers to button presses
(answerCallbackQuery) and the edits of a picker a person is using are sent directly."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from app.services import Services
from core.config import AppConfig
from domain.appeals import leading_number
from domain.text_limits import fits

logger = logging.getLogger(__name__)


def staff_reply(
    services: Services,
    config: AppConfig,
    message: Message,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """A reply to a staff member's message, in the same topic, queued urgently."""
    payload: dict[str, Any] = {"text": text}
    if message.is_topic_message and message.message_thread_id is not None:
        payload["message_thread_id"] = message.message_thread_id
    payload["reply_parameters"] = {
        "message_id": message.message_id,
        "allow_sending_without_reply": True,
    }
    if markup is not None:
        payload["reply_markup"] = markup.model_dump(exclude_none=True)
    services.outbox.enqueue(
        chat_id=message.chat.id, method="send_message", payload=payload, urgent=True
    )


def reply_refusal(message: Message, text: str, data: dict[str, Any]) -> None:
    """How handlers/errors.py `DomainErrors` tells a refusal in the staff chat: a reply."""
    staff_reply(data["services"], data["config"], message, text)


def post(
    services: Services, appeal_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A line in the appeal's thread, queued urgently (a staff member is waiting for it)."""
    notices = services.notices
    assert notices is not None
    values: dict[str, Any] = {"text": text}
    if markup is not None:
        values["reply_markup"] = markup.model_dump(exclude_none=True)
    notices.staff(appeal_id, "post", urgent=True, **values)


def column(buttons: Iterable[tuple[str, CallbackData]]) -> InlineKeyboardMarkup:
    """One button per row. A staff keyboard is built once per press, so the builder's copying
    costs nothing that matters (unlike the consumer menus, handlers/keyboards.py)."""
    builder = InlineKeyboardBuilder()
    for label, data in buttons:
        builder.button(text=label, callback_data=data)
    builder.adjust(1)
    return builder.as_markup()


async def drop_markup(callback: CallbackQuery, text: str | None = None) -> None:
    """The picker or task message was used: its buttons go (a failure changes nothing)."""
    message = callback.message
    if not isinstance(message, Message):
        return
    try:
        marked = f"{message.html_text}\n{text}" if text is not None and message.text else None
        if marked is not None and fits(marked):
            await message.edit_text(marked, reply_markup=None)
        else:  # nothing to add, or a message already as long as Telegram takes
            await message.edit_reply_markup(reply_markup=None)
    except TelegramAPIError as error:
        logger.info("staff picker not edited: %s", type(error).__name__)


async def appeal_of(message: Message, services: Services) -> int | None:
    """The appeal a message in the staff chat is about: its topic, or the message replied to."""
    topic = message.message_thread_id if message.is_topic_message else None
    replied = message.reply_to_message
    # In a forum topic a message that replies to nothing carries the topic's creation
    # service message: its name starts with the appeal's number (a topic the bot created
    # but never stored, issue 11).
    created = replied.forum_topic_created if replied is not None else None
    by_bot = replied is not None and (replied.from_user is None or replied.from_user.is_bot)
    return await services.threads.appeal_for(
        message.chat.id,
        topic_id=topic,
        reply_to=replied.message_id if replied is not None else None,
        topic_number=leading_number(created.name) if created is not None and by_bot else None,
        at=services.clock.now(),
    )
