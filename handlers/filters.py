"""Async filters. aiogram runs a synchronous filter (a bare magic `F.text`, a `State`) in a
worker thread for every update (`CallableObject.call` → `asyncio.to_thread`); these are
coroutines, so they cost a function call, not a thread hop."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.texts import Texts


class PrivateChat(Filter):
    async def __call__(self, event: TelegramObject) -> bool:
        if isinstance(event, Message):
            return event.chat.type == ChatType.PRIVATE
        if isinstance(event, CallbackQuery):
            message = event.message
            return message is None or message.chat.type == ChatType.PRIVATE
        return False


class Button(Filter):
    """A reply-keyboard button press: the message text equals the button's label."""

    def __init__(self, *keys: str) -> None:
        self.keys = keys

    async def __call__(self, message: Message, texts: Texts) -> bool:
        text = message.text
        return text is not None and any(text == texts.get(key) for key in self.keys)


class HasText(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.text)


class NoText(Filter):
    async def __call__(self, message: Message) -> bool:
        return not message.text


class AnyInput(Filter):
    async def __call__(self, event: TelegramObject, **_: Any) -> bool:
        return True


class HasVoice(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.voice is not None
