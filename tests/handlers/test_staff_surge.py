"""A surge (acceptance 5 of the staff-chat issue): 100 appeals filed within one minute, through
the real dispatcher, against a Bot API that enforces Telegram's limits on a fake clock.

All 100 cards reach the staff chat, in order, none lost, with no 429 of our own making, and
each person's registration message goes out at once, not behind the staff-chat backlog.

The session enforces the staff group's 20 messages a minute and the 30 a second overall
strictly. Its one-message-a-second rule per chat is off here: the dialogs answer a step with
a short burst to a private chat (a greeting and a question; a confirmation after removing
the buttons), which Telegram allows. Per-chat pacing of everything the outbox sends,
private chats included, is checked strictly in tests/notifier/test_outbox_surge.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.delivery import build_sender
from bot.factory import build_app, build_bot
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from tests.harness import STAFF_CHAT_ID, TOKEN, BotHarness
from tests.notifier.limits import LimitEnforcingSession, drain

NOW = datetime.fromisoformat("2026-11-24T07:00:00+00:00")
PEOPLE = 100


class RecordingLimits(LimitEnforcingSession):
    """The limit-enforcing API, recording calls and results the way the harness reads them."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__(clock, chat_interval=timedelta(0))
        self.calls: list[TelegramMethod[Any]] = []
        self.results: list[Any] = []

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        result = await super().make_request(bot, method, timeout)
        self.calls.append(method)
        self.results.append(result)
        return result

    def take(self) -> list[TelegramMethod[Any]]:
        calls, self.calls, self.results = self.calls, [], []
        return calls


async def test_a_hundred_appeals_in_a_minute_all_reach_the_staff_chat_in_order(
    engine: Any,
    settings: Settings,
    texts: Texts,
    content: ContentLibrary,
) -> None:
    clock = FixedClock(NOW)
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    app = await build_app(staff_settings, clock=clock, texts=texts, content=content, migrate=False)
    api = RecordingLimits(clock)
    bot = build_bot(staff_settings, session=api, token=TOKEN)

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    sender = build_sender(app, bot, forum=False, sleep=sleep)
    harness = BotHarness(app, bot, cast(Any, api))
    try:
        people = [harness.person(7_100_000 + i) for i in range(PEOPLE)]

        async def each(step: Any) -> None:
            # 0.1 s between updates: every person's steps are 10 s apart.
            for person in people:
                await step(person)
                clock.advance(timedelta(seconds=0.1))

        await each(lambda p: p.send("/start"))
        await each(lambda p: p.press(texts.get("consent-accept")))
        await each(lambda p: p.send(texts.get("menu-appeal")))
        await each(lambda p: p.press(texts.get("appeal-kind-complaint")))
        await each(lambda p: p.press(texts.get("appeal-subject-service_quality")))
        await each(lambda p: p.send(f"Нет света в доме {p.user.id}, третий день подряд."))
        await each(lambda p: p.press(texts.get("appeal-attachments-done")))
        await each(lambda p: p.send("Иванова Мария Петровна"))
        await each(lambda p: p.press(texts.get("appeal-skip")))
        await each(lambda p: p.press(texts.get("appeal-channel-chat")))
        await each(lambda p: p.press(texts.get("appeal-vulnerable-none")))
        assert api.violations == []

        # The surge: 100 submissions within one minute while the sender works.
        submitted: dict[int, datetime] = {}
        first = clock.now()
        for person in people:
            submitted[person.user.id] = clock.now()
            await person.press(texts.get("appeal-summary-submit"))
            await sender.run_once()
            clock.advance(timedelta(seconds=0.6))
        assert clock.now() - first <= timedelta(minutes=1)
        await drain(sender, clock)

        assert api.violations == [], api.violations[:3]
        cards = [text or "" for text in api.texts(STAFF_CHAT_ID)]
        numbers = [f"ВЭ-2026-{n:06d}" for n in range(1, PEOPLE + 1)]
        assert len(cards) == PEOPLE
        assert [next(n for n in numbers if n in card) for card in cards] == numbers
        card_times = [d.at for d in api.deliveries if d.chat_id == STAFF_CHAT_ID]
        assert card_times[-1] - card_times[0] >= timedelta(seconds=4 * (PEOPLE - 1))
        # Each registration message left at the moment of the submission.
        registered_mark = texts.get("appeal-registered", number="X", date="", due="", channel="")
        registered_mark = registered_mark.splitlines()[0]
        for person in people:
            registered = [
                d.at
                for d in api.deliveries
                if d.chat_id == person.user.id and d.text and registered_mark in d.text
            ]
            assert registered == [submitted[person.user.id]], person.user.id
    finally:
        await harness.close()
