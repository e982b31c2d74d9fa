"""The send budget shared by all workers through Redis (bot/send_budget.py): turns 1/rate
apart whoever takes them, reading methods take none, and no Redis means no wait."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.send_budget import SendBudget, counted

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest_asyncio.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisConnectionError, OSError):
        await client.aclose()
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (CI sets REQUIRE_REDIS=1 and runs it)")
    yield client
    await client.aclose()


def test_only_sending_methods_take_a_turn() -> None:
    assert counted("sendMessage") and counted("copyMessage") and counted("editMessageText")
    assert not counted("getMe") and not counted("answerCallbackQuery")
    assert not counted("getChatMember") and not counted("setWebhook")


async def test_turns_are_spaced_for_all_takers_together(redis: Redis) -> None:
    key = f"test-{uuid.uuid4().hex}:send-budget"
    rate = 200.0
    # Three "workers", each with a budget object of its own on the same key.
    budgets = [SendBudget(redis, rate=rate, key=key) for _ in range(3)]
    sent: list[float] = []

    async def worker(budget: SendBudget, count: int) -> None:
        for _ in range(count):
            await budget.take()
            sent.append(time.monotonic())

    try:
        started = time.monotonic()
        await asyncio.gather(*(worker(budget, 20) for budget in budgets))
        took = time.monotonic() - started
    finally:
        await redis.delete(key)
    assert len(sent) == 60
    assert took >= 59 / rate * 0.95  # 60 turns, 1/rate apart
    sent.sort()
    # Any 100 ms window holds the turns of 100 ms plus those a late wake-up (a timer's
    # overshoot, a busy loop: up to 20 ms allowed here) pushed into it: docs/scaling.md.
    window = max(sum(1 for t in sent if s <= t < s + 0.1) for s in sent)
    assert window <= rate * (0.1 + 0.02) + 1
    assert sum(b.turns for b in budgets) == 60


async def test_without_redis_a_send_goes_at_once() -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    budget = SendBudget(dead, rate=1.0, key="x")
    try:
        assert await budget.take() == 0.0
        assert await budget.take() == 0.0
    finally:
        await dead.aclose()
    assert budget.unavailable == 2


async def test_a_burst_beyond_the_redis_pool_waits_instead_of_failing(redis: Redis) -> None:
    """300 people pressing at once: each update takes a Redis connection for its lock and
    state; the bot's client queues what its pool cannot hold (bot/factory.py)."""
    from bot.factory import REDIS_CONNECTIONS, redis_client

    client = redis_client(REDIS_URL)
    key = f"test-{uuid.uuid4().hex}:burst"
    try:
        results = await asyncio.gather(*(client.incr(key) for _ in range(3 * REDIS_CONNECTIONS)))
        assert sorted(results) == list(range(1, 3 * REDIS_CONNECTIONS + 1))
    finally:
        await client.delete(key)
        await client.aclose()
