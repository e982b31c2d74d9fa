"""Async filters. aiogram runs a synchronous filter (a bare magic `F.text`, a `State`) in a
worker thread for every update (`CallableObject.call` → `asyncio.to_thread`); these are
coroutines, so they cost a function call, not a thread hop."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from core.texts import Texts


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
        self._labels: tuple[Texts, frozenset[str]] | None = None

    async def __call__(self, message: Message, texts: Texts) -> bool:
        text = message.text
        if text is None:
            return False
        labels = self._labels
        if labels is None or labels[0] is not texts:
            labels = self._labels = (texts, frozenset(texts.get(key) for key in self.keys))
        return text in labels[1]


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


class Cmd(Command):
    """aiogram's Command, but a message that does not start with "/" is refused at once:
    Command parses every text and raises and catches an exception to say no, and every
    text message passes a dozen of these filters on its way to the dialogs."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        text = message.text or message.caption
        if not text or text[0] not in self.prefix:
            return False
        return await super().__call__(message, bot)


# Labels that always mean "go there", even in the middle of a dialog.
GLOBAL_BUTTONS = (
    "menu-appeal",
    "menu-my-appeals",
    "menu-info",
    "menu-accounts",
    "menu-mydata",
    "menu-help",
    "menu-readings",
    "menu-booking",
    "nav-cancel",
)


class PlainInput(Filter):
    """What a person types or sends as an answer: not a command, not a menu button.

    Such input goes to the dialog steps (or the free-text search) straight away; commands
    and menu buttons go on to the feature routers. Checked once, at the router level."""

    def __init__(self) -> None:
        self._labels: tuple[Texts, frozenset[str]] | None = None

    async def __call__(self, message: Message, texts: Texts) -> bool:
        text = message.text
        if text is None:
            return True
        if text.startswith("/"):
            return False
        labels = self._labels
        if labels is None or labels[0] is not texts:
            labels = self._labels = (texts, frozenset(texts.get(k) for k in GLOBAL_BUTTONS))
        return text not in labels[1]


class Never(Filter):
    """For an event type a router never handles: its sub-routers are skipped at once."""

    async def __call__(self, event: TelegramObject) -> bool:
        return False
