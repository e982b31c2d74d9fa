"""Drive the real dispatcher with `Dispatcher.feed_update` and a recording fake session."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, Update, User

from bot.delivery import build_sender
from bot.factory import App, build_app, build_bot
from bot.middlewares import UnitOfWorkMiddleware
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.rate_limit import RateLimiter
from notifier.outbox import OutboxSender
from tests.fakes import RecordingSession, inline_buttons

TOKEN = "1000001:test-token"
STAFF_CHAT_ID = -1_001_234_567_890
_update_ids = itertools.count(10_000)
_message_ids = itertools.count(50_000)


class Person:
    def __init__(self, harness: BotHarness, user_id: int, first_name: str = "Мария") -> None:
        self.harness = harness
        self.user = User(id=user_id, is_bot=False, first_name=first_name, language_code="ru")
        self.chat = Chat(id=user_id, type="private", first_name=first_name)
        self.last_inline: list[tuple[str, str, Message]] = []

    def message_update(self, text: str | None = None, **fields: Any) -> Update:
        entities = None
        if text and text.startswith("/"):
            entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))]
        return Update(
            update_id=next(_update_ids),
            message=Message(
                message_id=next(_message_ids),
                date=datetime.now(UTC),
                chat=self.chat,
                from_user=self.user,
                text=text,
                entities=entities,
                **fields,
            ),
        )

    async def send(self, text: str | None = None, **fields: Any) -> list[TelegramMethod[Any]]:
        return await self.feed(self.message_update(text, **fields))

    async def feed(self, update: Update) -> list[TelegramMethod[Any]]:
        calls = await self.harness.feed(update)
        self._remember_buttons()
        return calls

    def _remember_buttons(self) -> None:
        for call, result in zip(self.harness.last_calls, self.harness.last_results, strict=True):
            buttons = inline_buttons(call)
            if buttons and isinstance(result, Message) and result.chat.id == self.chat.id:
                self.last_inline = [(label, data, result) for label, data in buttons]

    async def deliver(self) -> list[TelegramMethod[Any]]:
        """What the outbox sends to this person's chat now: the replies that report something
        stored (a number, a receipt) are queued there (notifier/replies.py)."""
        calls = await self.harness.deliver()
        return [call for call in calls if getattr(call, "chat_id", None) == self.chat.id]

    def callback_update(self, label: str) -> Update:
        for text, data, message in self.last_inline:
            if text == label or label in text:
                return Update(
                    update_id=next(_update_ids),
                    callback_query=CallbackQuery(
                        id=str(next(_update_ids)),
                        from_user=self.user,
                        chat_instance="test",
                        message=message,
                        data=data,
                    ),
                )
        labels = [text for text, _, _ in self.last_inline]
        raise AssertionError(f"no inline button {label!r} among {labels}")

    async def press(self, label: str) -> list[TelegramMethod[Any]]:
        return await self.feed(self.callback_update(label))


class _NoLimits(RateLimiter):
    """Handler tests run on a fixed clock: pacing is tested in tests/notifier."""

    def earliest(self, chat_id: int, now: datetime, *, interactive: bool = False) -> datetime:
        return now

    def chat_earliest(self, chat_id: int, now: datetime, *, interactive: bool = False) -> datetime:
        return now


class StaffPerson(Person):
    """A member of the staff supergroup, writing and pressing buttons there."""

    def __init__(self, harness: BotHarness, user_id: int, first_name: str = "Анна") -> None:
        super().__init__(harness, user_id, first_name)
        self.chat = Chat(id=STAFF_CHAT_ID, type="supergroup", title="Приёмная: сотрудники")

    async def reply(self, to: Message, text: str) -> list[TelegramMethod[Any]]:
        """A reply to one of the bot's messages in the staff chat (card mode)."""
        fields: dict[str, Any] = {"reply_to_message": to}
        if to.message_thread_id is not None:
            fields.update(message_thread_id=to.message_thread_id, is_topic_message=True)
        return await self.send(text, **fields)


class BotHarness:
    def __init__(self, app: App, bot: Bot, session: RecordingSession) -> None:
        self.app = app
        self.bot = bot
        self.session = session
        self.last_calls: list[TelegramMethod[Any]] = []
        self.last_results: list[Any] = []
        self.people: list[Person] = []
        self._sender: OutboxSender | None = None

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        clock: FixedClock,
        texts: Texts,
        content: ContentLibrary,
    ) -> BotHarness:
        app = await build_app(settings, clock=clock, texts=texts, content=content, migrate=False)
        session = RecordingSession()
        bot = build_bot(settings, session=session, token=TOKEN)
        return cls(app, bot, session)

    def configure(self, **changes: Any) -> None:
        """Changes the running app's configuration mid-test (`admin_ids=...`), as a restart
        with other settings would: AppConfig is frozen, so it is replaced wherever it is held
        (the dispatcher's data for handlers, the unit-of-work middleware for services)."""
        config = dataclasses.replace(self.app.config, **changes)
        self.app.config = config
        self.app.dispatcher["config"] = config
        for middleware in self.app.dispatcher.update.outer_middleware:
            if isinstance(middleware, UnitOfWorkMiddleware):
                middleware._config = config

    def person(self, user_id: int = 7_000_001, first_name: str = "Мария") -> Person:
        person = Person(self, user_id, first_name)
        self.people.append(person)
        return person

    def staff(self, user_id: int = 8_000_001, first_name: str = "Анна") -> StaffPerson:
        """A staff member, already a member of the staff chat (getChatMember says so)."""
        member = StaffPerson(self, user_id, first_name)
        self.session.members[user_id] = "member"
        self.people.append(member)
        return member

    def outsider(self, user_id: int = 9_000_001) -> StaffPerson:
        """Someone writing in the staff chat's name who is not (or no longer) a member."""
        person = StaffPerson(self, user_id, "Посторонний")
        self.people.append(person)
        return person

    async def deliver(self) -> list[TelegramMethod[Any]]:
        """Send everything the outbox holds, without pacing; returns the calls made and lets
        every person see the buttons that reached their chat."""
        if self._sender is None:
            self._sender = build_sender(
                self.app,
                self.bot,
                forum=self.session.forum,
                limiter=_NoLimits(),
            )
        self.session.take()
        await self.app.notice_desk.settle()  # notices being queued are queued first
        while await self._sender.run_once():
            pass
        self.last_results = list(self.session.results)
        self.last_calls = self.session.take()
        for person in self.people:
            person._remember_buttons()
        return self.last_calls

    async def feed(self, update: Update) -> list[TelegramMethod[Any]]:
        await self.app.dispatcher.feed_update(self.bot, update)
        await self.app.notice_desk.settle()
        self.last_results = list(self.session.results)
        self.last_calls = self.session.take()
        return self.last_calls

    async def close(self) -> None:
        await self.bot.session.close()
        await self.app.close()
