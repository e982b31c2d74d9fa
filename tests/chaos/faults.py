"""Answers and broadcasts through the real outbox sender while the Bot API fails.

    report = await run_faults(settings, consumers=20, subscribers=300, seed=1)
    print(report.table())

The bot's own app (`build_app`) and Bot (aiohttp, to `FaultyBotApi` on 127.0.0.1, which
injects 429s with retry_after, 403s from people who blocked the bot, 502s, and connections
dropped before and after delivery — fault_api.py) are driven in process with
`Dispatcher.feed_update`, and the real outbox sender (`bot.delivery.build_sender`) runs
beside them, as in `reception run`. Its pacing per chat is raised (10 a second in any chat)
so that a run takes a minute rather than an hour; pacing itself is tested in tests/notifier.

1. Without faults: consumers consent, link an account and fill in an appeal up to its
   summary; two staff members exist (one the admin), with their signature.
2. Faults on; some consumers and subscribers have blocked the bot (403 from now on).
3. Each consumer presses «Отправить»: the registration confirmation (ВЭ-…) is owed.
4. Staff answer each appeal in its thread (`/answer` with a unique marker, then the preview's
   «Отправить»): the answer is owed to the consumer; for a consumer who blocked the bot, the
   staff must be told (a task to answer another way, issue 11 point 7).
5. Staff register appeals received by phone (`/register`, every step through the outbox):
   the "Зарегистрировано: ВЭ-…" confirmation is owed in the staff chat.
6. A one-off notice to every subscriber (the consumers and `subscribers` more), composed by
   the real `NoticeDesk`: one message is owed to each who has not blocked the bot.
7. The sender runs until nothing is pending.

Then every owed message is looked up among the requests the fake accepted: **lost** — not
delivered at all; **duplicate** — delivered more than once, *explained* when a connection
dropped after delivering it (the only case the bot cannot know about: at-least-once), else
*unexplained*. Also counted: each appeal's card and forum topic (exactly one topic per
appeal), calls over Telegram's limits, ERROR records, and how the 403s ended.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from aiogram import Bot
from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, Update, User
from sqlalchemy import func, insert, select

from bot.delivery import build_sender
from bot.factory import App, build_app, build_bot
from bot.settings import Settings
from core.texts import Texts
from domain.clock import SystemClock
from domain.content import ContentLibrary
from domain.rate_limit import RateLimiter
from domain.subscriptions import Topic
from services.account_import import AccountImportService
from storage.models import AppealRow, AppealTaskRow, ConsentRow, OutboxRow
from storage.repositories import SqlAccountRegistry
from storage.uow import UnitOfWork
from tests.chaos.fault_api import BOT_ID, TOKEN, FaultyBotApi, Shown
from tests.chaos.fault_report import FaultReport, KindFigures, Owed
from tests.chaos.registry import registry_csv
from tests.chaos.session import ErrorLog
from tests.handlers.signing import signing_department

ROOT = Path(__file__).resolve().parents[2]
STAFF_CHAT = -1_001_234_567_890
STAFF_ADMIN = 8_000_001
FIRST_CONSUMER = 7_600_000
FIRST_SUBSCRIBER = 7_700_000
PROFILE = "/profile Петрова Анна Сергеевна; ведущий специалист; +7 831 000-00-01; petrova@vyksa.ru"
WAIT = 20.0  # s: the longest a step waits for what the outbox owes it (backoff 2 + 4 + 8 s)
T = TypeVar("T")


class NotDelivered(AssertionError):
    """What a step waited for never arrived (within WAIT seconds)."""


class FaultRun:
    def __init__(self, app: App, bot: Bot, api: FaultyBotApi, *, texts: Texts, seed: int) -> None:
        self.app = app
        self.bot = bot
        self.api = api
        self.texts = texts
        self.report = FaultReport(seed=seed, database=_kind(app.settings.database.url))
        self._updates = itertools.count(1)
        self._messages = itertools.count(1)
        self._accounts = itertools.count(3_000_000_000)
        self.owed: list[Owed] = []
        self.blocked_consumers: set[int] = set()

    # -- talking to the bot ----------------------------------------------------------------------
    def _user(self, user_id: int) -> User:
        return User(id=user_id, is_bot=False, first_name="Анна", language_code="ru")

    def _chat(self, chat_id: int) -> Chat:
        if chat_id < 0:
            return Chat(id=chat_id, type="supergroup", title="Сотрудники", is_forum=True)
        return Chat(id=chat_id, type="private", first_name="Анна")

    async def send(
        self, user_id: int, text: str, *, chat_id: int | None = None, thread: Shown | None = None
    ) -> None:
        chat = self._chat(user_id if chat_id is None else chat_id)
        entities = None
        if text.startswith("/"):
            entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))]
        topic = thread.thread if thread is not None else None
        message = Message(
            message_id=next(self._messages),
            date=datetime.now(UTC),
            chat=chat,
            from_user=self._user(user_id),
            text=text,
            entities=entities,
            reply_to_message=self._bot_message(thread) if thread is not None else None,
            message_thread_id=topic,
            is_topic_message=True if topic is not None else None,
        )
        await self._feed(Update(update_id=next(self._updates), message=message))

    def _bot_message(self, shown: Shown) -> Message:
        return Message(
            message_id=shown.message_id,
            date=datetime.now(UTC),
            chat=self._chat(shown.chat_id),
            from_user=User(id=BOT_ID, is_bot=True, first_name="Reception"),
            text=shown.text,
            message_thread_id=shown.thread,
        )

    async def press(self, user_id: int, label: str, *, chat_id: int | None = None) -> None:
        """Press the newest button with `label` in the chat (waiting for it to arrive)."""
        chat = user_id if chat_id is None else chat_id
        found = await self.wait(lambda: self.api.latest_with(chat, label), f"button {label!r}")
        shown, data = found
        query = CallbackQuery(
            id=f"q{next(self._updates)}",
            from_user=self._user(user_id),
            chat_instance="chaos",
            message=self._bot_message(shown),
            data=data,
        )
        await self._feed(Update(update_id=next(self._updates), callback_query=query))

    async def _feed(self, update: Update) -> None:
        await self.app.dispatcher.feed_update(self.bot, update)

    async def wait(self, probe: Callable[[], T | None], what: str) -> T:
        deadline = time.monotonic() + WAIT
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise NotDelivered(f"{what} never arrived")
            await asyncio.sleep(0.05)

    # -- the steps -------------------------------------------------------------------------------
    async def setup(self, consumers: int) -> list[int]:
        uow = UnitOfWork(self.app.sessionmaker, clock=self.app.clock)
        service = AccountImportService(registry=SqlAccountRegistry(uow))
        await service.import_registry(
            registry_csv({"std": consumers + 10}), now=self.app.clock.now()
        )
        await uow.commit()
        self.api.members.add(STAFF_ADMIN)
        await self.send(STAFF_ADMIN, PROFILE, chat_id=STAFF_CHAT)
        await signing_department(self.app, STAFF_ADMIN)  # §15.5: a head signs the answers
        people = [FIRST_CONSUMER + index for index in range(consumers)]
        for person in people:
            try:
                await self._to_summary(person)
            except NotDelivered as error:
                self.report.not_driven.append(f"consumer {person}: {error}")
        return people

    async def _to_summary(self, person: int) -> None:
        texts = self.texts
        await self.send(person, "/start")
        await self.press(person, texts.get("consent-accept"))
        await self.send(person, "/accounts")
        await self.press(person, texts.get("accounts-link-button"))
        await self.send(person, str(next(self._accounts)))
        await self.send(person, "Тестова")
        await self.send(person, texts.get("menu-appeal"))
        await self.press(person, texts.get("appeal-kind-complaint"))
        await self.press(person, texts.get("appeal-subject-service_quality"))
        await self.send(person, "Третий день по вечерам мигает свет и гаснет на несколько минут.")
        await self.press(person, texts.get("appeal-attachments-done"))
        await self.press(person, "Тестова Анна Ивановна")
        await self.press(person, texts.get("appeal-skip"))
        await self.press(person, texts.get("appeal-channel-chat"))
        await self.press(person, texts.get("appeal-vulnerable-none"))

    async def submit(self, person: int) -> int | None:
        await self.press(person, self.texts.get("appeal-summary-submit"))
        async with self.app.sessionmaker() as db:
            found = await db.scalar(select(AppealRow.id).where(AppealRow.user_id == person))
        return None if found is None else int(found)

    async def answer(self, appeal_id: int, number: str, marker: str) -> None:
        card = await self.wait(lambda: self._card(number), f"the card of {number}")
        await self.send(
            STAFF_ADMIN, f"/answer {marker}: опора заменена.", chat_id=STAFF_CHAT, thread=card
        )
        preview = await self.wait(
            lambda: self.api.shown(STAFF_CHAT, marker) or None, f"the preview of {number}"
        )
        del preview
        await self.press(
            STAFF_ADMIN, self.texts.plain("staff-button-send-answer"), chat_id=STAFF_CHAT
        )

    def _card(self, number: str) -> Shown | None:
        """The newest card of the appeal (a card posted twice after a fault: the later one,
        in the appeal's topic, is the one the bot knows)."""
        cards = [
            shown
            for shown in self.api.shown(STAFF_CHAT, number)
            if any(data.startswith("sa:take") for _, data in shown.buttons())
        ]
        return max(cards, key=lambda shown: shown.message_id, default=None)

    async def register(self, index: int) -> str | None:
        """An appeal received by phone, registered from the staff chat."""
        texts = self.texts
        staff = STAFF_ADMIN
        chat = STAFF_CHAT
        before = await self._numbers()
        await self.send(staff, "/register", chat_id=chat)
        await self.press(staff, texts.plain("staff-form-phone").capitalize(), chat_id=chat)
        await self.wait(lambda: self.api.shown(chat, "Когда обращение") or None, "the date step")
        await self.send(staff, "сегодня", chat_id=chat)
        await self.wait(lambda: self.api.shown(chat, "ФИО заявителя") or None, "the name step")
        await self.send(staff, f"Звонков Иван {index}", chat_id=chat)
        await self.press(staff, texts.plain("appeal-channel-phone"), chat_id=chat)
        await self.wait(lambda: self.api.shown(chat, "Телефон для ответа") or None, "the phone")
        await self.send(staff, "+7 920 000-00-09", chat_id=chat)
        await self.press(staff, texts.plain("appeal-kind-complaint"), chat_id=chat)
        await self.press(staff, texts.plain("appeal-subject-service_quality"), chat_id=chat)
        await self.wait(lambda: self.api.shown(chat, "Текст обращения") or None, "the text step")
        await self.send(staff, f"Жалоба по телефону номер {index}: мигает свет.", chat_id=chat)
        await self.press(staff, texts.plain("staff-register-save"), chat_id=chat)
        after = await self._numbers()
        new = sorted(set(after) - set(before))
        return new[0] if new else None

    async def number_of(self, appeal_id: int) -> str:
        async with self.app.sessionmaker() as db:
            return str(await db.scalar(select(AppealRow.number).where(AppealRow.id == appeal_id)))

    async def all_appeals(self) -> dict[int, str]:
        async with self.app.sessionmaker() as db:
            rows = (await db.execute(select(AppealRow.id, AppealRow.number))).all()
        return {int(appeal_id): str(number) for appeal_id, number in rows}

    async def _numbers(self) -> list[str]:
        async with self.app.sessionmaker() as db:
            return [str(n) for n in (await db.scalars(select(AppealRow.number))).all()]

    async def broadcast(self, subscribers: list[int], marker: str) -> None:
        decided = self.app.clock.now() - timedelta(days=1)
        async with self.app.sessionmaker() as db:
            await db.execute(
                insert(ConsentRow),
                [
                    {
                        "user_id": chat,
                        "decision": "given",
                        "text_version": "v1",
                        "decided_at": decided,
                    }
                    for chat in subscribers
                ],
            )
            await db.commit()
        await self.app.notice_desk.compose(
            Topic.TARIFF, f"{marker}: с 1 января меняются тарифы.", created_by=None, source="chaos"
        )
        await self.app.notice_desk.settle()

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109 - a plain deadline
        """Until the outbox has nothing pending (backoff included) or `timeout` passed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await self.app.notice_desk.settle()
            async with self.app.sessionmaker() as db:
                pending = await db.scalar(
                    select(func.count()).where(OutboxRow.status == "pending")
                )
            if not pending:
                return
            await asyncio.sleep(0.2)

    # -- judging ---------------------------------------------------------------------------------
    async def judge(self, appeals: dict[int, str], blocked_appeals: list[int]) -> None:
        report = self.report
        requests = self.api.requests
        report.requests = len(requests)
        report.faults.update(r.outcome for r in requests if r.outcome != "ok")
        report.breaches.update(b.rule for b in self.api.breaches)
        for owed in self.owed:
            figures = report.kinds.setdefault(owed.kind, KindFigures())
            figures.owed += 1
            matching = [r for r in requests if owed.matches(r)]
            delivered = sum(1 for r in matching if r.delivered)
            dropped_after = sum(1 for r in matching if r.outcome == "drop-after")
            if delivered == 0:
                figures.lost += 1
            elif delivered == 1:
                figures.delivered_once += 1
            else:
                explained = min(delivered - 1, dropped_after)
                figures.duplicates_explained += explained
                figures.duplicates_unexplained += delivered - 1 - explained
        report.appeals = len(appeals)
        topics = [r for r in requests if r.method == "createForumTopic" and r.delivered]
        report.topics = len(topics)
        per_number = Counter(
            number for r in topics for number in appeals.values() if number in r.text
        )
        # A topic whose creation was delivered but whose answer never came back is created
        # again (the bot cannot know): at-least-once, like a message, and counted apart.
        dropped = Counter(
            number
            for r in requests
            if r.method == "createForumTopic" and r.outcome == "drop-after"
            for number in appeals.values()
            if number in r.text
        )
        for number, count in per_number.items():
            extra = max(0, count - 1)
            explained = min(extra, dropped[number])
            report.extra_topics_explained += explained
            report.extra_topics += extra - explained
        report.extra_topics += sum(
            1 for r in topics if not any(number in r.text for number in appeals.values())
        )
        report.missing_topics = sum(1 for number in appeals.values() if not per_number[number])
        cards = Counter(
            number
            for r in requests
            if r.method == "sendMessage"
            and r.delivered
            and r.chat_id == STAFF_CHAT
            and "sa:take" in r.params.get("reply_markup", "")
            for number in appeals.values()
            if number in r.text
        )
        report.cards_missing = sum(1 for number in appeals.values() if not cards[number])
        report.cards_repeated = sum(n - 1 for n in cards.values() if n > 1)
        async with self.app.sessionmaker() as db:
            report.outbox.update(
                dict(
                    (
                        await db.execute(
                            select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
                        )
                    ).all()
                )
            )
            for appeal_id in blocked_appeals:
                report.blocked_answers += 1
                tasks = await db.scalar(
                    select(func.count()).where(AppealTaskRow.appeal_id == appeal_id)
                )
                report.blocked_answers_with_task += bool(tasks)
                status = await db.scalar(select(AppealRow.status).where(AppealRow.id == appeal_id))
                report.blocked_answers_marked_answered += status == "answered"


def _lead(texts: Texts, key: str, number: str, *others: str) -> str:
    """The text of `key` up to where the number goes (the HTML as sent)."""
    token = "NUMBER0TOKEN"
    rendered = texts.get(key, **{number: token}, **dict.fromkeys(others, ""))
    return rendered.split(token, 1)[0]


def _kind(database_url: str) -> str:
    return "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"


async def run_faults(
    settings: Settings,
    *,
    texts: Texts,
    content: ContentLibrary,
    consumers: int,
    subscribers: int,
    registrations: int,
    seed: int,
    rate: float,
) -> FaultReport:
    """The whole run on an empty, migrated database (see the module docstring); `rate` is
    the probability of each fault kind per message call (after one of each)."""
    began = time.monotonic()
    api = FaultyBotApi(
        seed=seed,
        rates=dict.fromkeys(("429", "5xx", "drop-before", "drop-after"), rate),
        staff_chat_id=STAFF_CHAT,
    )
    url = await api.start()
    configured = settings.with_values(
        staff_chat_id=STAFF_CHAT,
        admin_ids=(STAFF_ADMIN,),
        telegram_api_url=url,
        notice_quiet_hours="off",
    )
    clock = SystemClock()
    app = await build_app(configured, clock=clock, texts=texts, content=content, migrate=False)
    bot = build_bot(configured, token=TOKEN)
    errors = ErrorLog()
    stop = asyncio.Event()
    sender = build_sender(
        app,
        bot,
        forum=True,
        limiter=RateLimiter(
            global_per_second=configured.telegram.outbox_rate,
            per_chat_interval=timedelta(milliseconds=100),
            group_per_minute=600,
        ),
    )
    task = asyncio.create_task(sender.run_forever(stop, idle=0.2))
    run = FaultRun(app, bot, api, texts=texts, seed=seed)
    report = run.report
    try:
        with errors.attached():
            people = await run.setup(consumers)
            blocked = set(people[:: max(2, consumers // 3 or 1)][: max(1, consumers // 10)])
            subscriber_ids = [FIRST_SUBSCRIBER + i for i in range(subscribers)]
            blocked_subscribers = set(subscriber_ids[::20])
            api.faults_on = True
            api.blocked |= blocked | blocked_subscribers
            # How each confirmation begins, from the locale files (the words may change).
            registered_lead = _lead(texts, "appeal-registered", "number", "date", "due", "channel")
            register_lead = _lead(texts, "staff-register-done", "number", "due")
            appeals: dict[int, str] = {}
            owners: dict[int, int] = {}
            for person in people:
                try:
                    appeal_id = await run.submit(person)
                except NotDelivered as error:
                    report.not_driven.append(f"submit {person}: {error}")
                    continue
                if appeal_id is None:
                    report.not_driven.append(f"submit {person}: nothing registered")
                    continue
                number = await run.number_of(appeal_id)
                appeals[appeal_id] = number
                owners[appeal_id] = person
                if person not in blocked:
                    run.owed.append(
                        Owed("registration confirmation", person, number, registered_lead)
                    )
            # Staff answer once the cards are up (a card posted twice: the later one counts).
            await run.drain(timeout=WAIT)
            blocked_appeals = []
            for appeal_id, number in appeals.items():
                marker = f"ОТВЕТ-{appeal_id}-{seed}"
                try:
                    await run.answer(appeal_id, number, marker)
                except NotDelivered as error:
                    report.not_driven.append(f"answer {number}: {error}")
                    continue
                if owners[appeal_id] in blocked:
                    blocked_appeals.append(appeal_id)
                else:
                    run.owed.append(Owed("staff answer", owners[appeal_id], marker))
            for index in range(registrations):
                try:
                    registered = await run.register(index)
                except NotDelivered as error:
                    report.not_driven.append(f"/register {index}: {error}")
                    continue
                if registered is None:
                    report.not_driven.append(f"/register {index}: nothing registered")
                    continue
                run.owed.append(
                    Owed("staff /register confirmation", STAFF_CHAT, registered, register_lead)
                )
            marker = f"УВЕДОМЛЕНИЕ-{seed}"
            await run.broadcast(subscriber_ids, marker)
            for chat in [*people, *subscriber_ids]:
                if chat not in api.blocked:
                    run.owed.append(Owed("broadcast notice", chat, marker))
            await run.drain(timeout=180)
            await run.judge(await run.all_appeals(), blocked_appeals)
        report.errors.update(record.message.splitlines()[0][:120] for record in errors.records)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        await bot.session.close()
        await app.close()
        await api.close()
    report.seconds = time.monotonic() - began
    return report
