"""Async filters. aiogram runs a synchronous filter (a bare magic `F.text`, a `State`) in a
worker thread for every update (`CallableObject.call` → `asyncio.to_thread`); these are
coroutines, so they cost a function call, not a thread hop.

Each also answers `decide(event, data)` without a coroutine: True or False where the answer
is the filter's (and carries no data), None where only the filter itself can tell (a command
that does start with "/"). The dispatcher (bot/dispatching.py) asks `decide` first: most
handlers an update passes on its way are refused there, without an await."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from core.texts import Texts


class PrivateChat(Filter):
    async def __call__(self, event: TelegramObject) -> bool:
        return self.decide(event, {})

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool:
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
        return self._is_label(message, texts)

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool | None:
        texts = data.get("texts")
        if not isinstance(event, Message) or not isinstance(texts, Texts):
            return None
        return self._is_label(event, texts)

    def _is_label(self, message: Message, texts: Texts) -> bool:
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

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool | None:
        return bool(event.text) if isinstance(event, Message) else None


class NoText(Filter):
    async def __call__(self, message: Message) -> bool:
        return not message.text

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool | None:
        return not event.text if isinstance(event, Message) else None


class AnyInput(Filter):
    async def __call__(self, event: TelegramObject, **_: Any) -> bool:
        return True

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool:
        return True


class HasVoice(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.voice is not None

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool | None:
        return event.voice is not None if isinstance(event, Message) else None


class Cmd(Command):
    """aiogram's Command, but a message that does not start with "/" is refused at once:
    Command parses every text and raises and catches an exception to say no, and every
    text message passes a dozen of these filters on its way to the dialogs."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        text = message.text or message.caption
        if not text or text[0] not in self.prefix:
            return False
        return await super().__call__(message, bot)

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool | None:
        """False for a text that is no command; None otherwise (the match carries data)."""
        if not isinstance(event, Message):
            return None
        text = event.text or event.caption
        if not text or text[0] not in self.prefix:
            return False
        return None


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
        return self._is_plain(message, texts)

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool | None:
        texts = data.get("texts")
        if not isinstance(event, Message) or not isinstance(texts, Texts):
            return None
        return self._is_plain(event, texts)

    def _is_plain(self, message: Message, texts: Texts) -> bool:
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

    def decide(self, event: TelegramObject, data: dict[str, Any]) -> bool:
        return False
