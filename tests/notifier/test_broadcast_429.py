"""429s from Telegram during a broadcast: every message is delivered once, and no send the
bot started after it was told to wait reaches the server during the pause.

The fake Bot API injects a 429 (retry_after 1 s) every 150th request; the sender, in this
process, keeps `in_flight` sends going. A pause starts when the fake answers the 429; a send
the bot had started before it read that answer may still arrive after, and is refused (it
is in flight, not a send during the pause). So every request the fake saw during a pause
must have been started by the bot before the bot paused: the bot's own record of when each
send started (the limiter's `record`) and when it paused (`pause_until`) tells.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import SystemClock
from domain.rate_limit import RateLimiter
from notifier.outbox import OutboxSender
from storage.models import OutboxRow
from tests.notifier.broadcast_worker import enqueue_broadcast
from tests.notifier.fake_bot_api import TOKEN, FakeBotApi

RECIPIENTS = 600
FIRST_CHAT = 8_000_000_000
IN_FLIGHT = 8


class RecordingLimiter(RateLimiter):
    """Notes, on the fake's clock (time.monotonic), when each send started and when the
    bot paused."""

    def __init__(self) -> None:
        super().__init__(global_per_second=500, global_burst=10)
        self.starts: list[tuple[int, float]] = []
        self.paused_at: list[float] = []

    def record(self, chat_id: int, at: datetime, *, interactive: bool = False) -> None:
        self.starts.append((chat_id, time.monotonic()))
        super().record(chat_id, at, interactive=interactive)

    def pause_until(self, moment: datetime) -> None:
        self.paused_at.append(time.monotonic())
        super().pause_until(moment)


@pytest.mark.timeout(120)
async def test_429s_pause_every_send_not_started_and_everything_goes_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    chats = range(FIRST_CHAT, FIRST_CHAT + RECIPIENTS)
    await enqueue_broadcast(sessionmaker, chats, notice=2)
    api = FakeBotApi(rate=None, latency=0.005, inject_429_every=150, retry_after=1)
    url = await api.start()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    limiter = RecordingLimiter()
    sender = OutboxSender(sessionmaker, bot, SystemClock(), limiter, in_flight=IN_FLIGHT, batch=50)
    try:
        for _ in range(100):
            await sender.run_once()
            if len(api.chats()) == RECIPIENTS:
                break
            # Rows put back after a 429 are due when the pause ends.
            await asyncio.sleep(0.2)
    finally:
        await bot.session.close()
        await api.close()

    assert api.injected_429 >= RECIPIENTS // 150
    assert sorted(api.chats().items()) == [(chat, 1) for chat in chats]
    async with sessionmaker() as session:
        sent = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "sent")
        )
    assert sent == RECIPIENTS

    in_flight_at_pause = 0
    for attempt in api.attempts_in_pause:
        [pause] = [p for p in api.pauses if p.start <= attempt.at < p.end][:1]
        learned = min(t for t in limiter.paused_at if t >= pause.start)
        started = max(
            t for chat, t in limiter.starts if chat == attempt.chat_id and t <= attempt.at
        )
        assert started < learned, "a send started after the bot was told to wait"
        in_flight_at_pause += 1
    # Whatever arrived during a pause had been started before the bot knew: at most what
    # could be in flight besides the refused one, for each 429 answered.
    assert in_flight_at_pause <= (IN_FLIGHT - 1) * len(api.pauses)
    print(
        f"\n{api.injected_429} injected 429s, {len(api.pauses)} pauses, "
        f"{in_flight_at_pause} requests already in flight arrived during a pause"
    )
