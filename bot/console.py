"""Console mode: the same dispatcher, handlers and database, in a terminal, without Telegram.

Bot messages print as text; inline buttons are numbered and a number presses one; reply
keyboard buttons are numbered after them and a number sends their label.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from aiogram import Bot
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    SendDocument,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)

from bot.delivery import build_sender
from bot.factory import App, build_app, build_bot
from bot.local_api import LocalApiSession
from bot.settings import Settings
from bot.startup import prepare_database
from core.texts import Texts
from domain.rate_limit import RateLimiter
from handlers.resume import offer_resume
from notifier.outbox import OutboxSender

CONSOLE_TOKEN = "1000001:console"
_TAG_RE = re.compile(r"<[^>]+>")


def to_plain(text: str) -> str:
    return html.unescape(_TAG_RE.sub("", text))


class ConsoleSession(LocalApiSession):
    def __init__(self, out: TextIO, texts: Texts) -> None:
        super().__init__()
        self._out = out
        self._texts = texts
        self.inline: list[tuple[str, str, Message]] = []  # label, callback data, message
        self.reply: list[str] = []

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        result = super().respond(bot, method)
        if isinstance(method, SendMessage):
            self._show(method.text, method.reply_markup, result)
        elif isinstance(method, SendDocument):
            name = getattr(method.document, "filename", None) or "document"
            self._print(self._texts.plain("console-file", name=str(name)))
        elif isinstance(method, EditMessageReplyMarkup) and method.reply_markup is None:
            self.inline = [item for item in self.inline if item[2].message_id != method.message_id]
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            self._print(self._texts.plain("console-alert", text=method.text))
        return result

    def _show(self, text: str, markup: Any, message: Message) -> None:
        self._print(to_plain(text))
        if isinstance(markup, InlineKeyboardMarkup):
            self.inline = [
                (button.text, button.callback_data or "", message)
                for row in markup.inline_keyboard
                for button in row
                if button.callback_data
            ]
        if isinstance(markup, ReplyKeyboardMarkup):
            self.reply = [button.text for row in markup.keyboard for button in row]
        elif isinstance(markup, ReplyKeyboardRemove):
            self.reply = []
        self._print_choices()

    def _print_choices(self) -> None:
        lines = []
        if self.inline:
            lines.append(self._texts.plain("console-buttons"))
            lines += [f"  [{n}] {label}" for n, (label, _, _) in enumerate(self.inline, 1)]
        if self.reply:
            lines.append(self._texts.plain("console-keyboard"))
            start = len(self.inline) + 1
            lines += [f"  [{n}] {label}" for n, label in enumerate(self.reply, start)]
        if lines:
            self._print("\n".join(lines))

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


class ConsoleChat:
    """Turns what a person types into updates for the dispatcher."""

    def __init__(self, session: ConsoleSession, user_id: int) -> None:
        self.session = session
        self.user = User(id=user_id, is_bot=False, first_name="Console", language_code="ru")
        self.chat = Chat(id=user_id, type="private", first_name="Console")
        # Update ids grow with time, so a restarted console is never taken for a redelivery.
        self._update_ids = itertools.count(int(time.time() * 1000))
        self._message_ids = itertools.count(1)

    def update_for(self, line: str) -> Update:
        text = line.strip()
        if text.isdigit():
            choice = int(text)
            inline = self.session.inline
            if 1 <= choice <= len(inline):
                _, data, message = inline[choice - 1]
                return Update(
                    update_id=next(self._update_ids),
                    callback_query=CallbackQuery(
                        id=str(next(self._update_ids)),
                        from_user=self.user,
                        chat_instance="console",
                        message=message,
                        data=data,
                    ),
                )
            reply = self.session.reply
            if 1 <= choice - len(inline) <= len(reply):
                text = reply[choice - len(inline) - 1]
        entities = None
        if text.startswith("/"):
            command = text.split()[0]
            entities = [MessageEntity(type="bot_command", offset=0, length=len(command))]
        return Update(
            update_id=next(self._update_ids),
            message=Message(
                message_id=next(self._message_ids),
                date=datetime.now(UTC),
                chat=self.chat,
                from_user=self.user,
                text=text,
                entities=entities,
            ),
        )


class _Unpaced(RateLimiter):
    """Nothing here goes to Telegram: the console's messages need no pacing."""

    def earliest(self, chat_id: int, now: datetime, *, interactive: bool = False) -> datetime:
        return now

    def chat_earliest(self, chat_id: int, now: datetime, *, interactive: bool = False) -> datetime:
        return now


async def _deliver(app: App, sender: OutboxSender) -> None:
    """Print what the outbox holds for the console's person (confirmations are queued there,
    notifier/replies.py); messages to other chats stay queued for the bot on Telegram."""
    await app.notice_desk.settle()
    while await sender.run_once():
        pass


async def run_console(
    settings: Settings,
    texts: Texts,
    *,
    user_id: int = 1,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    await prepare_database(settings)  # a StartupFault if it cannot be opened
    app = await build_app(settings, texts=texts, migrate=False)
    session = ConsoleSession(out, texts)
    bot = build_bot(settings, session=session, token=CONSOLE_TOKEN)
    chat = ConsoleChat(session, user_id)
    sender = build_sender(app, bot, forum=False, limiter=_Unpaced(), only_chat=user_id)
    out.write(texts.plain("console-intro") + "\n" + texts.plain("console-user", id=user_id) + "\n")
    try:
        await offer_resume(
            sessionmaker=app.sessionmaker,
            clock=app.clock,
            dedup=app.dedup,
            storage=app.storage,
            bot_id=bot.id,
            texts=texts,
        )
        await _deliver(app, sender)
        while True:
            out.write("> ")
            out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not line.strip():
                continue
            await app.dispatcher.feed_update(bot, chat.update_for(line))
            await _deliver(app, sender)
    finally:
        out.write("\n" + texts.plain("console-bye") + "\n")
        await bot.session.close()
        await app.close()
    return 0
