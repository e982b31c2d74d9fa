"""A Bot API that answers in process, without a network: for console mode, the tests and the
benchmarks. It fabricates the results a real server would return for the methods the bot
uses, and refuses anything else, so a test notices an unexpected call."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteMyCommands,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendChatAction,
    SendDocument,
    SendMessage,
    SetChatMenuButton,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Document, InlineKeyboardMarkup, Message, User

BOT_USER_ID = 1_000_001
ALWAYS_TRUE = (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteMyCommands,
    SendChatAction,
    SetChatMenuButton,
    SetMyCommands,
    EditMessageReplyMarkup,
)


class UnexpectedApiCall(AssertionError):
    pass


class LocalApiSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self._message_ids = itertools.count(1)

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise UnexpectedApiCall(f"download of {url}")
        yield b""  # pragma: no cover - makes this an async generator

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        self.on_request(method)
        result: TelegramType = self.respond(bot, method)
        return result

    def on_request(self, method: TelegramMethod[Any]) -> None:
        """A hook for subclasses: print (console) or record (tests)."""

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, ALWAYS_TRUE):
            return True
        if isinstance(method, GetMe):
            return User(id=bot.id, is_bot=True, first_name="Reception", username="reception_bot")
        if isinstance(method, SendMessage):
            markup = method.reply_markup
            return Message(
                message_id=next(self._message_ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=User(id=bot.id, is_bot=True, first_name="Reception"),
                text=method.text,
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            )
        if isinstance(method, EditMessageText):
            markup = method.reply_markup
            return Message(
                message_id=method.message_id or next(self._message_ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id or 0), type="private"),
                text=method.text,
                reply_markup=markup,
            )
        if isinstance(method, SendDocument):
            message_id = next(self._message_ids)
            name = getattr(method.document, "filename", None) or "document"
            return Message(
                message_id=message_id,
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                caption=method.caption,
                document=Document(
                    file_id=f"local-{message_id}",
                    file_unique_id=f"local-{message_id}",
                    file_name=str(name),
                ),
            )
        raise UnexpectedApiCall(f"{type(method).__name__} is not expected")
