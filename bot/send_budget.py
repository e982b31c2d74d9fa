"""Telegram's overall sending limit for the whole bot, not per process (docs/scaling.md).

With several workers, every worker answers its own updates directly and the leader's outbox
sender sends the queued messages: each process alone keeps its own pace, but together they
could go over Telegram's ~30 messages a second. So with Redis every message-sending request
of every process first takes a turn from one schedule kept in Redis: a GCRA ("virtual
scheduling") with no burst — turns are `1 / rate` seconds apart, taken atomically by a Lua
script on Redis's own clock (the workers' clocks do not matter). A request sleeps until its
turn, then goes. Reading methods (getMe, getChat, answerCallbackQuery ...) take no turn.

If Redis does not answer, the request goes without a turn (logged): a reply is better late
than never, and the outbox sender's own limiter (domain/rate_limit.py) still paces the bulk.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

# The methods that put a message in a chat (or change one): what Telegram's limit counts.
_COUNTED_PREFIXES = ("send", "copy", "forward", "edit")

# KEYS[1]: the theoretical arrival time (µs, Redis clock); ARGV[1]: the interval (µs).
# Returns how many µs the caller waits for its turn (0: at once).
_TAKE_TURN = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local turn = math.max(now_us, tat)
redis.call('SET', KEYS[1], tostring(turn + tonumber(ARGV[1])), 'PX', 60000)
return turn - now_us
"""


def counted(method_name: str) -> bool:
    return method_name.startswith(_COUNTED_PREFIXES)


class SendBudget:
    """The shared schedule: `take()` waits for this process's next turn."""

    def __init__(self, redis: Redis, *, rate: float, key: str) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self._redis = redis
        self._interval_us = max(1, round(1_000_000 / rate))
        self._key = key
        self._script = redis.register_script(_TAKE_TURN)
        self.turns = 0
        self.waited = 0.0  # seconds slept for turns, all told
        self.unavailable = 0  # sends that went without a turn (Redis did not answer)

    async def take(self) -> float:
        """Wait for a turn; the seconds waited."""
        try:
            wait_us = int(await self._script(keys=[self._key], args=[self._interval_us]))
        except Exception as error:  # Redis down: send anyway (see the module docstring)
            self.unavailable += 1
            logger.warning("send budget unavailable (%s): sending", type(error).__name__)
            return 0.0
        self.turns += 1
        if wait_us <= 0:
            return 0.0
        seconds = wait_us / 1_000_000
        started = time.monotonic()
        await asyncio.sleep(seconds)
        waited = time.monotonic() - started
        self.waited += waited
        return waited


class SharedSendBudget(BaseRequestMiddleware):
    """A request middleware of the bot's session: counted methods take a turn first."""

    def __init__(self, budget: SendBudget) -> None:
        self.budget = budget

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if counted(method.__api_method__):
            await self.budget.take()
        return await make_request(bot, method)


def install(bot: Bot, redis: Redis, *, rate: float, prefix: str) -> SendBudget:
    """Put the shared budget on the bot's session (once); returns it."""
    for known in bot.session.middleware:
        if isinstance(known, SharedSendBudget):
            return known.budget
    budget = SendBudget(redis, rate=rate, key=f"{prefix}:send-budget")
    bot.session.middleware(SharedSendBudget(budget))
    return budget
