"""/settings: which notices a person gets (SPEC §8). One tap turns a topic on or off; "stop
all" is always honoured; the message is edited in place."""

from __future__ import annotations

import contextlib
from enum import StrEnum
from typing import Self

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import model_validator

from app.services import Services
from core.texts import Texts
from domain.errors import DomainError
from domain.ids import UserId
from domain.subscriptions import Preferences, Topic
from handlers.filters import Cmd


class SubscriptionAction(StrEnum):
    TOGGLE = "toggle"
    STOP = "stop"
    RESUME = "resume"


class SubscriptionToggle(CallbackData, prefix="sub"):
    action: SubscriptionAction
    topic: Topic | None = None  # what TOGGLE turns on or off

    @model_validator(mode="after")
    def _topic_for_toggle(self) -> Self:
        if (self.action is SubscriptionAction.TOGGLE) != (self.topic is not None):
            raise ValueError("a topic goes with toggle, and only with it")
        return self


def _screen(texts: Texts, preferences: Preferences) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            InlineKeyboardButton(
                text=texts.get(
                    "settings-topic",
                    mark="on" if preferences.wants(topic) and not preferences.stopped else "off",
                    name=texts.get(f"settings-topic-{topic.value}"),
                ),
                callback_data=SubscriptionToggle(
                    action=SubscriptionAction.TOGGLE, topic=topic
                ).pack(),
            )
        ]
        for topic in Topic
    ]
    last = SubscriptionAction.RESUME if preferences.stopped else SubscriptionAction.STOP
    rows.append(
        [
            InlineKeyboardButton(
                text=texts.get(f"settings-{last}"),
                callback_data=SubscriptionToggle(action=last).pack(),
            )
        ]
    )
    key = "settings-title-stopped" if preferences.stopped else "settings-title"
    return texts.get(key), InlineKeyboardMarkup(inline_keyboard=rows)


async def cmd_settings(message: Message, services: Services, texts: Texts) -> None:
    try:
        preferences = await services.subscriptions.preferences(UserId(message.chat.id))
    except DomainError as error:
        await message.answer(texts.get(error.text_key))
        return
    text, markup = _screen(texts, preferences)
    await message.answer(text, reply_markup=markup)


async def on_toggle(
    callback: CallbackQuery,
    callback_data: SubscriptionToggle,
    services: Services,
    texts: Texts,
) -> None:
    user_id = UserId(callback.from_user.id)
    subscriptions = services.subscriptions
    try:
        if callback_data.action is SubscriptionAction.STOP:
            preferences = await subscriptions.stop_all(user_id)
        elif callback_data.action is SubscriptionAction.RESUME:
            preferences = await subscriptions.resume(user_id)
        else:
            assert callback_data.topic is not None  # the model's validator
            preferences = await subscriptions.toggle(user_id, callback_data.topic)
    except DomainError as error:
        await callback.answer(texts.get(error.text_key), show_alert=True)
        return
    text, markup = _screen(texts, preferences)
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramAPIError):
            await callback.message.edit_text(text, reply_markup=markup)
    await callback.answer(texts.get("settings-saved"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_settings, Cmd("settings"))
    router.callback_query.register(on_toggle, SubscriptionToggle.filter())
    return router
