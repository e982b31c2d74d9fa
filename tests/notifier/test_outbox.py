from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import SendMessage, TelegramMethod
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.local_api import LocalApiSession
from domain.clock import FixedClock
from domain.rate_limit import RateLimiter
from notifier.outbox import OutboxCall, OutboxSender, enqueue, register_method
from storage.models import OutboxRow
from storage.uow import UnitOfWork
from tests.notifier.limits import drain


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
        self.delivered = asyncio.Event()  # set at the first send that goes through

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
        self.delivered.set()
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

    # The second waits a second for its chat: a later round sends it.
    await drain(sender(sessionmaker, bot, clock), clock)

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

    async def load_then_die(*, after: tuple[bool, int], now: datetime) -> list[Any]:
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


async def test_bulk_sends_to_a_group_are_four_seconds_apart_and_to_a_chat_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    staff = -1001
    await put(sessionmaker, clock, [(staff, f"card {i}") for i in range(25)])
    await put(sessionmaker, clock, [(7, f"reply {i}") for i in range(5)])

    # A round sends what may go now and skips the rest; drain moves the clock between.
    assert await drain(sender(sessionmaker, bot, clock), clock) == 30

    group = [at for chat, _, at in api.sent if chat == staff]
    person = [at for chat, _, at in api.sent if chat == 7]
    assert len(group) == 25
    assert len(person) == 5
    assert all(b - a >= timedelta(seconds=4) for a, b in itertools.pairwise(group))
    assert all(b - a >= timedelta(seconds=1) for a, b in itertools.pairwise(person))
    for i in range(len(group) - 15):
        assert group[i + 15] - group[i] >= timedelta(seconds=60)


async def put_raw(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
) -> None:
    """A row enqueue would refuse now: a method of an older version, say."""
    async with sessionmaker() as session:
        await session.execute(
            insert(OutboxRow).values(
                chat_id=chat_id,
                method=method,
                payload=payload,
                urgent=False,
                status="pending",
                attempts=0,
                not_before=clock.now(),
                last_error="",
                created_at=clock.now(),
            )
        )
        await session.commit()


async def test_a_round_skips_a_chat_that_must_wait_and_sends_to_the_others(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    staff = -1001
    start = clock.now()
    await put(sessionmaker, clock, [(staff, f"card {i}") for i in range(10)])
    await put(sessionmaker, clock, [(7, "first"), (7, "second"), (8, "hello"), (9, "hi")])
    outbox = sender(sessionmaker, bot, clock)
    assert outbox.next_due(start) is None

    assert await outbox.run_once() == 4

    assert clock.now() == start  # nobody slept
    assert [(chat, text) for chat, text, _ in api.sent] == [
        (staff, "card 0"),
        (7, "first"),
        (8, "hello"),
        (9, "hi"),
    ]
    assert outbox.next_due(start) == start + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    assert await outbox.run_once() == 1
    assert api.sent[-1][:2] == (7, "second")
    # The group's bulk rows go one every 4 s (domain/rate_limit.py).
    assert outbox.next_due(clock.now()) == start + timedelta(seconds=4)


async def test_rows_of_a_chat_never_overtake_each_other_across_pages(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    # Two rows of chat 7 that fail at once (no handler), so that when the second page is
    # loaded chat 7's remaining rows are ranked anew: "b" must still wait for "a".
    await put_raw(sessionmaker, clock, 7, "send_poll", {})
    await put_raw(sessionmaker, clock, 7, "send_poll", {})
    await put(sessionmaker, clock, [(7, "a"), (8, "x"), (7, "b"), (9, "y")])
    outbox = sender(sessionmaker, bot, clock, per_chat=2, batch=3)

    await drain(outbox, clock)

    assert [text for chat, text, _ in api.sent if chat == 7] == ["a", "b"]
    assert [r.status for r in await rows(sessionmaker)] == ["failed", "failed"] + ["sent"] * 4


async def test_many_chats_are_all_seen_in_one_round_however_small_the_page(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    await put(sessionmaker, clock, [(-5, f"card {i}") for i in range(7)])
    await put(sessionmaker, clock, [(chat, "hello") for chat in range(1, 40)])
    outbox = sender(sessionmaker, bot, clock, batch=4, per_chat=3)

    assert await outbox.run_once() == 40

    # 39 chats and one group, at 25 a second: one global wait, nothing else.
    assert sorted(chat for chat, _, _ in api.sent) == [-5, *range(1, 40)]
    assert clock.now() - api.sent[0][2] == timedelta(seconds=1)


async def test_wake_starts_a_round_at_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    waiting = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(seconds)  # an hour: only a wake ends it in time

    outbox = OutboxSender(sessionmaker, bot, clock, RateLimiter(), sleep=sleep)
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run_forever(stop, idle=3600))
    try:
        await asyncio.wait_for(waiting.wait(), timeout=30)
        uow = UnitOfWork(sessionmaker, clock=clock)
        enqueue(uow, chat_id=7, method="send_message", payload={"text": "hi"}, now=clock.now())
        uow.after_commit(outbox.wake)
        await uow.commit()
        # A safety timeout, not a timing claim: without the wake the sender sleeps an hour.
        await asyncio.wait_for(api.delivered.wait(), timeout=30)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    assert [text for _, text, _ in api.sent] == ["hi"]


async def test_run_forever_sleeps_until_a_skipped_chat_may_send(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    staff = -1001
    start = clock.now()
    await put(sessionmaker, clock, [(staff, f"card {i}") for i in range(3)])
    stop = asyncio.Event()
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(timedelta(seconds=seconds))
        if len(api.sent) == 3 or len(sleeps) > 100:
            stop.set()

    outbox = OutboxSender(sessionmaker, bot, clock, RateLimiter(), sleep=sleep)
    await asyncio.wait_for(outbox.run_forever(stop, idle=60), timeout=30)

    assert sleeps == [4.0, 4.0, 60.0]
    assert [at - start for _, _, at in api.sent] == [timedelta(seconds=s) for s in (0, 4, 8)]


def test_handlers_cannot_replace_a_built_in_method(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, bot: Bot
) -> None:
    async def handler(call: OutboxCall) -> int | None:
        return None

    with pytest.raises(ValueError, match="send_message"):
        OutboxSender(sessionmaker, bot, clock, RateLimiter(), handlers={"send_message": handler})
    with pytest.raises(ValueError, match="built-in"):
        register_method("send_message")


async def test_enqueue_accepts_registered_methods_only(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    with pytest.raises(ValueError, match="unknown outbox method"):
        enqueue(uow, chat_id=1, method="test_not_registered", payload={}, now=clock.now())
    register_method("test_registered")
    enqueue(uow, chat_id=1, method="test_registered", payload={}, now=clock.now())
    await uow.commit()
    [row] = await rows(sessionmaker)
    assert row.method == "test_registered"


async def test_a_backlog_fills_a_page_with_no_more_than_per_chat_rows(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    bot: Bot,
    api: FlakySession,
) -> None:
    await put(sessionmaker, clock, [(-5, f"card {i}") for i in range(100)])
    await put(sessionmaker, clock, [(7, "reply")])
    outbox = sender(sessionmaker, bot, clock, per_chat=4)
    loaded = outbox._load
    pages: list[list[int]] = []

    async def spy(*, after: tuple[bool, int], now: datetime) -> list[Any]:
        page = await loaded(after=after, now=now)
        pages.append([row.chat_id for row in page])
        return page

    outbox._load = spy  # type: ignore[method-assign]
    await outbox.run_once()

    assert pages == [[-5, -5, -5, -5, 7]]
    assert [chat for chat, _, _ in api.sent] == [-5, 7]


class HoldingSession(FlakySession):
    """Holds every send to `held` until `release` is set."""

    def __init__(self, clock: FixedClock, held: int) -> None:
        super().__init__(clock)
        self.held = held
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        if int(getattr(method, "chat_id", 0)) == self.held:
            self.holding.set()
            await self.release.wait()
        return await super().make_request(bot, method, timeout)


async def test_an_urgent_row_is_recorded_as_sent_right_after_its_send(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """A confirmation a person waits for is stored as sent at once, not with the batch: a crash
    while other sends are under way does not send it again after the restart (issue 11)."""
    api = HoldingSession(clock, held=2)
    bot = Bot("42:TEST", session=api)
    uow = UnitOfWork(sessionmaker, clock=clock)
    enqueue(
        uow,
        chat_id=1,
        method="send_message",
        payload={"text": "№ 1"},
        now=clock.now(),
        urgent=True,
    )
    enqueue(uow, chat_id=2, method="send_message", payload={"text": "notice"}, now=clock.now())
    await uow.commit()
    s = sender(sessionmaker, bot, clock)  # the clock stands still: no periodic flush
    stored = asyncio.Event()
    store = s._store

    async def watched(outcomes: list[dict[str, Any]]) -> None:
        await store(outcomes)
        stored.set()

    s._store = watched  # type: ignore[method-assign]
    round_ = asyncio.create_task(s.run_once())
    try:
        await asyncio.wait_for(api.holding.wait(), timeout=10)
        await asyncio.wait_for(stored.wait(), timeout=10)  # while the other send is held
        assert [(r.chat_id, r.status) for r in await rows(sessionmaker)] == [
            (1, "sent"),
            (2, "pending"),
        ]
    finally:
        api.release.set()
        await round_
        await bot.session.close()
    assert [r.status for r in await rows(sessionmaker)] == ["sent", "sent"]
