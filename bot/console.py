"""Console mode: the same dispatcher, handlers and database, in a terminal, without Telegram.

Bot messages print as text, and a message the bot edits is printed again, marked as edited
(a readings receipt, a settings toggle). After each answer the buttons on screen are
numbered — the inline buttons of the messages of that answer, then the reply keyboard's — and
a number presses one (or sends the reply button's label).
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import itertools
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from aiogram import Bot
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
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
from domain.clock import SystemClock
from domain.rate_limit import RateLimiter
from handlers.resume import offer_resume
from notifier.outbox import OutboxSender

CONSOLE_TOKEN = "1000001:console"
# `reception console --demo`: a database of its own, with the example registry, so a demo
# never touches the real one. The account and surname the intro suggests are in that file.
DEMO_DATABASE = Path("data") / "demo.db"
DEMO_ACCOUNTS = Path(__file__).resolve().parent.parent / "examples" / "accounts.csv"
DEMO_ACCOUNT = "1000000002"
_TAG_RE = re.compile(r"<[^>]+>")


def to_plain(text: str) -> str:
    return html.unescape(_TAG_RE.sub("", text))


class ConsoleSession(LocalApiSession):
    """Prints what the bot sends, and reprints a message the bot edits, marked as edited.

    Buttons are numbered per screen: what the bot showed in answer to one input. The inline
    buttons of the messages sent or edited in that answer, then the reply keyboard (which
    stays, as in Telegram, until the bot replaces or removes it). An answer that drew nothing
    (a toast) leaves the screen, and its numbers, as they were."""

    def __init__(self, out: TextIO, texts: Texts) -> None:
        super().__init__()
        self._out = out
        self._texts = texts
        self.inline: list[tuple[str, str, Message]] = []  # label, callback data, message
        self.reply: list[str] = []
        self._shown: dict[int, Message] = {}  # message id -> the message as last shown
        self._screen: list[tuple[str, str, Message]] | None = None  # this answer's buttons
        self._drawn = False

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        result = super().respond(bot, method)
        if isinstance(method, SendMessage):
            self._reply_markup(method.reply_markup)
            self._show(result, to_plain(method.text), edited=False)
        elif isinstance(method, EditMessageText):
            # Telegram drops the inline keyboard of a message edited without one.
            self._show(result, to_plain(method.text or ""), edited=True)
        elif isinstance(method, EditMessageReplyMarkup) and method.message_id is not None:
            self._markup_edited(method.message_id, method.reply_markup)
        elif isinstance(method, SendDocument):
            name = getattr(method.document, "filename", None) or "document"
            self._print(self._texts.plain("console-file", name=str(name)))
            self._drawn = True
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            self._print(self._texts.plain("console-alert", text=method.text))
        return result

    def start_turn(self) -> None:
        """A person's input: what the bot shows next is a new screen."""
        self._screen = None
        self._drawn = False

    def end_turn(self) -> None:
        """The bot has answered: number the screen's buttons (if it drew one)."""
        if not self._drawn:
            return
        self.inline = self._screen or []
        self._print_choices()
        self._screen = None
        self._drawn = False

    def _reply_markup(self, markup: Any) -> None:
        if isinstance(markup, ReplyKeyboardMarkup):
            self.reply = [button.text for row in markup.keyboard for button in row]
        elif isinstance(markup, ReplyKeyboardRemove):
            self.reply = []

    def _show(self, message: Message, text: str, *, edited: bool) -> None:
        self._shown[message.message_id] = message
        if edited:
            text = self._texts.plain("console-edited", text=text)
        self._print(text)
        self._add_buttons(message)

    def _markup_edited(self, message_id: int, markup: InlineKeyboardMarkup | None) -> None:
        known = self._shown.get(message_id)
        if known is None:
            return
        message = known.model_copy(update={"reply_markup": markup})
        self._shown[message_id] = message
        if markup is None:
            # Buttons taken away (a step answered): they leave the screen, nothing to reprint.
            self.inline = [item for item in self.inline if item[2].message_id != message_id]
            if self._screen is not None:
                self._screen = [item for item in self._screen if item[2].message_id != message_id]
            return
        self._print(self._texts.plain("console-edited", text=to_plain(message.text or "")))
        self._add_buttons(message)

    def _add_buttons(self, message: Message) -> None:
        self._drawn = True
        screen = self._screen if self._screen is not None else []
        # The same message drawn again in one answer: its newest buttons only.
        screen = [item for item in screen if item[2].message_id != message.message_id]
        markup = message.reply_markup
        if isinstance(markup, InlineKeyboardMarkup):
            screen += [
                (button.text, button.callback_data, message)
                for row in markup.inline_keyboard
                for button in row
                if button.callback_data
            ]
        self._screen = screen

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


def _surname(registry: str, account: str) -> str:
    """The holder's surname of `account` in the registry file (its second factor)."""
    for row in csv.DictReader(io.StringIO(registry)):
        if row["account"] == account:
            return row["full_name"].split()[0]
    raise LookupError(f"{account} is not in {DEMO_ACCOUNTS}")


def demo_settings(settings: Settings) -> Settings:
    """The settings of `reception console --demo`: the demo database instead of the real one."""
    return settings.with_values(database_url=f"sqlite+aiosqlite:///{DEMO_DATABASE}")


async def load_demo_accounts(settings: Settings, texts: Texts) -> str:
    """The example registry into the (demo) database — re-imported each time, which updates
    in place — and the intro's hint: which account and surname to link."""
    from services.account_import import StagedAccountImport, parse_registry
    from services.csv_import import decode
    from storage.account_import import SqlRegistryImports
    from storage.engine import create_engine, create_sessionmaker

    raw = await asyncio.to_thread(DEMO_ACCOUNTS.read_bytes)
    parsed = parse_registry(decode(raw))
    engine = create_engine(settings.database.url)
    try:
        clock = SystemClock()
        importer = StagedAccountImport(
            imports=SqlRegistryImports(create_sessionmaker(engine), clock=clock)
        )
        await importer.write(parsed, now=clock.now())
    finally:
        await engine.dispose()
    return texts.plain(
        "console-demo",
        database=str(DEMO_DATABASE),
        account=DEMO_ACCOUNT,
        surname=_surname(decode(raw), DEMO_ACCOUNT),
    )


async def run_console(
    settings: Settings,
    texts: Texts,
    *,
    user_id: int = 1,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    demo: bool = False,
) -> int:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    await prepare_database(settings)  # a StartupFault if it cannot be opened
    hint = await load_demo_accounts(settings, texts) if demo else None
    app = await build_app(settings, texts=texts, migrate=False)
    session = ConsoleSession(out, texts)
    bot = build_bot(settings, session=session, token=CONSOLE_TOKEN)
    chat = ConsoleChat(session, user_id)
    sender = build_sender(app, bot, forum=False, limiter=_Unpaced(), only_chat=user_id)
    out.write(texts.plain("console-intro") + "\n" + texts.plain("console-user", id=user_id) + "\n")
    if hint:
        out.write(hint + "\n")
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
        session.end_turn()
        while True:
            out.write("> ")
            out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not line.strip():
                continue
            session.start_turn()
            await app.dispatcher.feed_update(bot, chat.update_for(line))
            await _deliver(app, sender)
            session.end_turn()
    finally:
        out.write("\n" + texts.plain("console-bye") + "\n")
        await bot.session.close()
        await app.close()
    return 0
