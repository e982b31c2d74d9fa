"""The outbox against a Bot API that enforces Telegram's limits (tests/notifier/limits.py),
on a fake clock that moves only when the sender sleeps or the test moves it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.methods import CreateForumTopic, SendMessage, TelegramMethod
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.rate_limit import RateLimiter
from notifier.outbox import CustomHandler, OutboxCall, OutboxSender, enqueue, register_method
from storage.models import OutboxRow
from storage.uow import UnitOfWork
from tests.conftest import NOW
from tests.notifier.limits import LimitEnforcingSession, drain

STAFF = -100123
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


@pytest_asyncio.fixture
async def api(clock: FixedClock) -> AsyncIterator[LimitEnforcingSession]:
    assert clock.now() == NOW  # 2026-11-24 07:00 UTC
    yield LimitEnforcingSession(clock)


@pytest_asyncio.fixture
async def bot(api: LimitEnforcingSession) -> AsyncIterator[Bot]:
    bot = Bot("42:TEST", session=api)
    yield bot
    await bot.session.close()


def make_sender(
    sessionmaker: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: FixedClock,
    **kwargs: Any,
) -> OutboxSender:
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return OutboxSender(sessionmaker, bot, clock, RateLimiter(), sleep=sleep, **kwargs)


async def queue(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    chat_id: int,
    text: str = "",
    *,
    method: str = "send_message",
    payload: dict[str, Any] | None = None,
    urgent: bool = False,
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    enqueue(
        uow,
        chat_id=chat_id,
        method=method,
        payload={"text": text} if payload is None else payload,
        now=clock.now(),
        urgent=urgent,
    )
    await uow.commit()


async def rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxRow]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


def is_text(text: str) -> Any:
    def match(method: TelegramMethod[Any]) -> bool:
        return getattr(method, "text", None) == text

    return match


class Timeline:
    """Messages queued at set moments of the fake clock, whoever moves it: the test between
    rounds, or the sender sleeping inside one (a real process queues meanwhile). Every
    queued message wakes the sender, as `uow.after_commit(sender.wake)` would."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: FixedClock,
        arrivals: list[tuple[datetime, int, str]],
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.arrivals = sorted(arrivals, key=lambda arrival: arrival[0])
        self.woken = False

    def next_at(self) -> datetime | None:
        return self.arrivals[0][0] if self.arrivals else None

    async def advance_to(self, moment: datetime) -> None:
        while self.arrivals and self.arrivals[0][0] <= moment:
            at, chat_id, text = self.arrivals.pop(0)
            if at > self.clock.now():
                self.clock.advance(at - self.clock.now())
            await queue(self.sessionmaker, self.clock, chat_id, text)
            self.woken = True
        if moment > self.clock.now():
            self.clock.advance(moment - self.clock.now())

    async def sleep(self, seconds: float) -> None:
        await self.advance_to(self.clock.now() + timedelta(seconds=seconds))

    async def run(self, sender: OutboxSender, *, max_rounds: int = 10_000) -> None:
        """What `run_forever` does, on the fake clock: a round, then a wait until a skipped
        chat may send or the next message is queued."""
        for _ in range(max_rounds):
            self.woken = False
            await sender.run_once()
            if self.woken:
                continue
            moments = [m for m in (sender.next_due(self.clock.now()), self.next_at()) if m]
            if not moments:
                return
            await self.advance_to(min(moments))
        raise AssertionError(f"not done in {max_rounds} rounds")


async def test_a_staff_surge_does_not_hold_back_private_chats(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: LimitEnforcingSession,
) -> None:
    # Within one minute: 100 cards to the staff group, interleaved with replies to 100
    # consumers, five of whom get a second message half a second after the first.
    start = clock.now()
    arrivals: list[tuple[datetime, int, str]] = []
    for i in range(100):
        arrivals.append((start + timedelta(milliseconds=600 * i), STAFF, f"card {i}"))
        arrivals.append((start + timedelta(milliseconds=600 * i + 300), 1000 + i, f"reply {i}"))
    for i in range(0, 100, 20):
        arrivals.append(
            (start + timedelta(milliseconds=600 * i + 800), 1000 + i, f"follow-up {i}")
        )
    assert max(at for at, _, _ in arrivals) - start < timedelta(minutes=1)
    queued_at = {text: at for at, _, text in arrivals}
    timeline = Timeline(sessionmaker, clock, arrivals)
    outbox = OutboxSender(sessionmaker, bot, clock, RateLimiter(), sleep=timeline.sleep)

    await timeline.run(outbox)

    assert api.violations == []
    assert api.failures == []
    assert sorted(d.text or "" for d in api.deliveries) == sorted(queued_at)
    assert len(api.deliveries) == 205
    assert api.texts(STAFF) == [f"card {i}" for i in range(100)]
    for text, queued in queued_at.items():
        [delivered] = api.delivered_at(text)
        if not text.startswith("card"):
            assert delivered - queued <= timedelta(seconds=2), text
    group = [d.at for d in api.deliveries if d.chat_id == STAFF]
    assert group[-1] - group[0] >= 99 * timedelta(seconds=4)
    stored = await rows(sessionmaker)
    assert {(r.status, r.attempts) for r in stored} == {("sent", 1)}
    assert all(r.telegram_message_id is not None for r in stored)
    assert {r.created_at for r in stored} == set(queued_at.values())


async def test_a_429_from_telegram_pauses_everyone_and_the_message_goes_once_after(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: LimitEnforcingSession,
) -> None:
    api.inject(
        is_text("news 1"),
        status=429,
        description="Too Many Requests: retry after 5",
        retry_after=5,
    )
    for chat_id in range(1, 5):
        await queue(sessionmaker, clock, chat_id, f"news {chat_id}")
    await queue(sessionmaker, clock, STAFF, "news for staff")

    await drain(make_sender(sessionmaker, bot, clock), clock)

    [failure] = api.failures
    resume = failure.at + timedelta(seconds=5)
    assert api.delivered_at("news 1") == [resume]
    assert sorted(d.text or "" for d in api.deliveries) == [
        "news 1",
        "news 2",
        "news 3",
        "news 4",
        "news for staff",
    ]
    # Nobody was sent anything while Telegram asked us to wait.
    assert not [d for d in api.deliveries if failure.at <= d.at < resume]
    assert api.violations == []
    assert {(r.status, r.attempts) for r in await rows(sessionmaker)} == {("sent", 1)}


async def test_an_urgent_row_for_the_group_goes_before_its_earlier_backlog(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: LimitEnforcingSession,
) -> None:
    for i in range(12):
        await queue(sessionmaker, clock, STAFF, f"card {i}")
    outbox = make_sender(sessionmaker, bot, clock)
    await outbox.run_once()
    assert api.texts(STAFF) == ["card 0"]
    await queue(sessionmaker, clock, 7, "reply")
    await queue(sessionmaker, clock, STAFF, "outage", urgent=True)

    await drain(outbox, clock)

    assert api.texts(STAFF) == ["card 0", "outage"] + [f"card {i}" for i in range(1, 12)]
    assert api.texts(7) == ["reply"]
    assert api.violations == []


async def test_a_custom_handler_makes_two_calls_and_its_message_id_is_recorded(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: LimitEnforcingSession,
) -> None:
    register_method("test_open_topic")
    seen: list[OutboxCall] = []

    async def open_topic(call: OutboxCall) -> int | None:
        seen.append(call)
        topic = await call.send(CreateForumTopic(chat_id=call.chat_id, name=call.payload["name"]))
        message = await call.send(
            SendMessage(
                chat_id=call.chat_id,
                message_thread_id=topic.message_thread_id,
                text=call.payload["text"],
            )
        )
        return message.message_id

    await queue(sessionmaker, clock, STAFF, "before")
    await queue(
        sessionmaker,
        clock,
        STAFF,
        method="test_open_topic",
        payload={"name": "Appeal 17", "text": "A new appeal"},
    )
    start = clock.now()

    await drain(
        make_sender(sessionmaker, bot, clock, handlers={"test_open_topic": open_topic}), clock
    )

    before, topic, card = api.deliveries
    assert (before.method, before.text, before.at) == ("sendMessage", "before", start)
    # The handler's row waited for its chat's turn; its second call waited inside `send`.
    assert (topic.method, topic.chat_id, topic.at) == (
        "createForumTopic",
        STAFF,
        start + timedelta(seconds=4),
    )
    assert (card.method, card.text, card.at) == (
        "sendMessage",
        "A new appeal",
        start + timedelta(seconds=8),
    )
    assert getattr(card.call, "message_thread_id", None) == topic.message_id
    assert api.violations == []
    [call] = seen
    assert (call.chat_id, call.attempts, dict(call.payload)) == (
        STAFF,
        0,
        {"name": "Appeal 17", "text": "A new appeal"},
    )
    first, second = await rows(sessionmaker)
    assert call.row_id == second.id
    assert (second.status, second.attempts, second.telegram_message_id) == (
        "sent",
        1,
        card.message_id,
    )
    assert first.status == "sent"


@pytest.mark.parametrize(
    ("status", "description", "retry_after", "outcome"),
    [
        (403, "Forbidden: bot was blocked by the user", None, ("blocked", 1)),
        (400, "Bad Request: chat not found", None, ("dropped", 1)),
        (400, "Bad Request: message text is empty", None, ("failed", 1)),
        (400, NOT_MODIFIED, None, ("sent", 1)),
        (500, "Internal Server Error", None, ("pending", 1)),
        (429, "Too Many Requests: retry after 7", 7, ("pending", 0)),
    ],
)
async def test_a_handlers_errors_are_classified_like_a_direct_send(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: LimitEnforcingSession,
    status: int,
    description: str,
    retry_after: int | None,
    outcome: tuple[str, int],
) -> None:
    register_method("test_notify_both")
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    async def notify_both(call: OutboxCall) -> int | None:
        await call.send(SendMessage(chat_id=call.chat_id, text="to staff"))
        # A different chat than the row's: its refusal is what the row's outcome reports.
        await call.send(SendMessage(chat_id=call.payload["person"], text="to the person"))
        return None

    api.inject(
        is_text("to the person"), status=status, description=description, retry_after=retry_after
    )
    await queue(sessionmaker, clock, STAFF, method="test_notify_both", payload={"person": 77})
    await queue(sessionmaker, clock, 8, "unrelated")
    handlers: dict[str, CustomHandler] = {"test_notify_both": notify_both}
    outbox = make_sender(sessionmaker, bot, clock, handlers=handlers, on_blocked=on_blocked)

    await outbox.run_once()

    row, unrelated = await rows(sessionmaker)
    assert (row.status, row.attempts) == outcome
    assert api.texts(STAFF) == ["to staff"]
    assert blocked == ([77] if status == 403 else [])
    if status == 429:
        # Everyone waited out the pause; the row is due again when it ends.
        assert row.not_before == NOW + timedelta(seconds=7)
        assert api.delivered_at("unrelated") == [NOW + timedelta(seconds=7)]
        assert outbox.next_due(clock.now()) == row.not_before
    else:
        assert description in row.last_error
        assert api.delivered_at("unrelated") == [NOW]
    if status == 500:
        assert row.not_before == NOW + timedelta(seconds=2)
    assert unrelated.status == "sent"


async def test_a_handler_that_raises_anything_else_fails_the_row(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: LimitEnforcingSession,
) -> None:
    register_method("test_broken")

    async def broken(call: OutboxCall) -> int | None:
        raise KeyError("person")

    await queue(sessionmaker, clock, 7, method="test_broken", payload={})
    await queue(sessionmaker, clock, 8, "next")

    await drain(make_sender(sessionmaker, bot, clock, handlers={"test_broken": broken}), clock)

    row, after = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "person" in row.last_error
    assert after.status == "sent"


async def test_a_row_with_an_unknown_method_fails_and_the_queue_goes_on(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: LimitEnforcingSession,
) -> None:
    await queue(sessionmaker, clock, 7, "before")
    # A row of a method this version no longer knows (enqueue would refuse it now).
    async with sessionmaker() as session:
        await session.execute(
            insert(OutboxRow).values(
                chat_id=7,
                method="send_poll",
                payload={"question": "?"},
                urgent=False,
                status="pending",
                attempts=0,
                not_before=clock.now(),
                last_error="",
                created_at=clock.now(),
            )
        )
        await session.commit()
    await queue(sessionmaker, clock, 7, "after")
    await queue(sessionmaker, clock, 8, "other")

    await drain(make_sender(sessionmaker, bot, clock), clock)

    before, unknown, after, other = await rows(sessionmaker)
    assert (unknown.status, unknown.attempts) == ("failed", 1)
    assert "no handler for outbox method 'send_poll'" in unknown.last_error
    assert [before.status, after.status, other.status] == ["sent"] * 3
    assert api.texts(7) == ["before", "after"]
    assert api.texts(8) == ["other"]


async def test_an_edit_that_changes_nothing_counts_as_sent(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: LimitEnforcingSession,
) -> None:
    api.inject(is_text("Appeal accepted"), status=400, description=NOT_MODIFIED)
    api.inject(is_text("Gone"), status=400, description="Bad Request: message to edit not found")
    edits = [
        ("edit_message_text", {"message_id": 41, "text": "Appeal accepted"}),
        ("edit_message_reply_markup", {"message_id": 41, "reply_markup": {"inline_keyboard": []}}),
        ("edit_message_text", {"message_id": 40, "text": "Gone"}),
    ]
    for method, payload in edits:
        await queue(sessionmaker, clock, 7, method=method, payload=payload)

    await drain(make_sender(sessionmaker, bot, clock), clock)

    not_modified, markup, gone = await rows(sessionmaker)
    assert (not_modified.status, not_modified.telegram_message_id) == ("sent", None)
    # Editing returned True, not a message: there is no message id to record.
    assert (markup.status, markup.telegram_message_id) == ("sent", None)
    assert (gone.status, gone.attempts) == ("failed", 1)
    assert [d.method for d in api.deliveries] == ["editMessageReplyMarkup"]
    assert [f.text for f in api.failures] == ["Appeal accepted", "Gone"]
    assert not_modified.sent_at is not None
    assert markup.sent_at is not None
    assert markup.sent_at - not_modified.sent_at >= timedelta(seconds=1)
