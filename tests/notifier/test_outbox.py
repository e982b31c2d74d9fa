from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest_asyncio
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import SendMessage, TelegramMethod
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.local_api import LocalApiSession
from domain.clock import FixedClock
from domain.rate_limit import RateLimiter
from notifier.outbox import OutboxSender, enqueue
from storage.models import OutboxRow
from storage.uow import UnitOfWork


class FlakySession(LocalApiSession):
    """Records each send with the (fixed) time it happened; fails for chosen chats."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__()
        self.clock = clock
        self.sent: list[tuple[int, str, datetime]] = []
        self.blocked: set[int] = set()
        self.missing: set[int] = set()
        self.retry_after: dict[int, int] = {}  # chat -> how many 429s before it goes
        self.network_down: set[int] = set()

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        assert isinstance(method, SendMessage)
        chat_id = int(method.chat_id)
        if chat_id in self.blocked:
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot was blocked by the user"
            )
        if chat_id in self.missing:
            raise TelegramBadRequest(method=method, message="Bad Request: chat not found")
        if self.retry_after.get(chat_id, 0) > 0:
            self.retry_after[chat_id] -= 1
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=3)
        if chat_id in self.network_down:
            raise TelegramNetworkError(method=method, message="Request timeout error")
        self.sent.append((chat_id, method.text, self.clock.now()))
        return super().respond(bot, method)


@pytest_asyncio.fixture
async def api(clock: FixedClock) -> AsyncIterator[FlakySession]:
    yield FlakySession(clock)


@pytest_asyncio.fixture
async def bot(api: FlakySession) -> AsyncIterator[Bot]:
    bot = Bot("42:TEST", session=api)
    yield bot
    await bot.session.close()


def sender(
    sessionmaker: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: FixedClock,
    **kwargs: Any,
) -> OutboxSender:
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return OutboxSender(sessionmaker, bot, clock, RateLimiter(), sleep=sleep, **kwargs)


async def put(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    messages: list[tuple[int, str]],
    *,
    dedup: bool = False,
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    for chat_id, text in messages:
        enqueue(
            uow,
            chat_id=chat_id,
            method="send_message",
            payload={"text": text},
            now=clock.now(),
            dedup_key=f"{chat_id}:{text}" if dedup else None,
        )
    await uow.commit()


async def rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxRow]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def test_the_same_notice_queued_twice_is_sent_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    await put(sessionmaker, clock, [(7, "outage"), (7, "outage")], dedup=True)
    await put(sessionmaker, clock, [(7, "outage")], dedup=True)

    assert await sender(sessionmaker, bot, clock).run_once() == 1

    assert [(chat, text) for chat, text, _ in api.sent] == [(7, "outage")]
    [row] = await rows(sessionmaker)
    assert row.status == "sent"
    assert row.sent_at == clock.now()
    assert row.telegram_message_id is not None
    assert row.attempts == 1


async def test_messages_without_a_key_are_all_sent(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    await put(sessionmaker, clock, [(7, "hello"), (7, "hello")])

    await sender(sessionmaker, bot, clock).run_once()

    assert len(api.sent) == 2


async def test_a_blocked_bot_marks_the_row_and_tells_the_owner(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    api.blocked.add(8)
    seen: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        seen.append(chat_id)

    await put(sessionmaker, clock, [(8, "one"), (9, "two"), (8, "three")])
    outbox = sender(sessionmaker, bot, clock, on_blocked=on_blocked)
    await outbox.run_once()
    clock.advance(timedelta(hours=2))
    assert await outbox.run_once() == 0

    assert seen == [8]
    assert [r.status for r in await rows(sessionmaker)] == ["blocked", "sent", "blocked"]
    assert [chat for chat, _, _ in api.sent] == [9]


async def test_a_chat_that_does_not_exist_is_dropped(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    api.missing.add(5)
    await put(sessionmaker, clock, [(5, "lost")])

    await sender(sessionmaker, bot, clock).run_once()

    [row] = await rows(sessionmaker)
    assert row.status == "dropped"
    assert "chat not found" in row.last_error


async def test_too_many_requests_pauses_and_the_message_goes_after(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    api.retry_after[7] = 1
    start = clock.now()
    await put(sessionmaker, clock, [(7, "first"), (9, "second")])
    outbox = sender(sessionmaker, bot, clock)

    await outbox.run_once()
    # Everyone waits out the pause: the next chat's message went 3 s later.
    assert [(chat, at - start) for chat, _, at in api.sent] == [(9, timedelta(seconds=3))]
    first, _ = await rows(sessionmaker)
    assert first.status == "pending"
    assert first.not_before == start + timedelta(seconds=3)

    await outbox.run_once()
    assert [chat for chat, _, _ in api.sent] == [9, 7]
    assert [r.status for r in await rows(sessionmaker)] == ["sent", "sent"]


async def test_network_errors_back_off_then_fail(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    api.network_down.add(7)
    start = clock.now()
    await put(sessionmaker, clock, [(7, "flaky")])
    outbox = sender(sessionmaker, bot, clock, max_attempts=3)

    await outbox.run_once()
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.not_before == start + timedelta(seconds=2)

    assert await outbox.run_once() == 0  # not due yet
    clock.advance(timedelta(seconds=2))
    await outbox.run_once()
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("pending", 2)
    assert row.not_before == clock.now() + timedelta(seconds=4)

    clock.advance(timedelta(seconds=4))
    await outbox.run_once()
    [row] = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "timeout" in row.last_error
    clock.advance(timedelta(hours=1))
    assert await outbox.run_once() == 0


async def test_a_new_sender_sends_what_the_old_one_did_not(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    await put(sessionmaker, clock, [(chat, "news") for chat in range(1, 6)])
    old = sender(sessionmaker, bot, clock, batch=2)
    # The old process dies after its first batch: the stored outcomes survive it.
    loaded = old._load
    calls = 0

    async def load_then_die(*, after: int, now: datetime) -> list[Any]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("process killed")
        return await loaded(after=after, now=now)

    old._load = load_then_die  # type: ignore[method-assign]
    with contextlib.suppress(RuntimeError):
        await old.run_once()
    assert [chat for chat, _, _ in api.sent] == [1, 2]

    await sender(sessionmaker, bot, clock).run_once()

    assert [chat for chat, _, _ in api.sent] == [1, 2, 3, 4, 5]
    assert {r.status for r in await rows(sessionmaker)} == {"sent"}


async def test_sends_to_a_group_are_three_seconds_apart_and_to_a_chat_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    staff = -1001
    await put(sessionmaker, clock, [(staff, f"card {i}") for i in range(25)])
    await put(sessionmaker, clock, [(7, f"reply {i}") for i in range(5)])

    assert await sender(sessionmaker, bot, clock).run_once() == 30

    group = [at for chat, _, at in api.sent if chat == staff]
    person = [at for chat, _, at in api.sent if chat == 7]
    assert len(group) == 25
    assert len(person) == 5
    assert all(b - a >= timedelta(seconds=3) for a, b in itertools.pairwise(group))
    assert all(b - a >= timedelta(seconds=1) for a, b in itertools.pairwise(person))
    for i in range(len(group) - 20):
        assert group[i + 20] - group[i] >= timedelta(seconds=60)
