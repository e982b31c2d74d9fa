"""The sending process of the broadcast crash test and of bench/broadcast.py: the real
`OutboxSender` sends the outbox to a Bot API at `--api-url` until no row is pending, then
exits 0.

    python -m tests.notifier.broadcast_worker --database-url URL --api-url http://127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.process import freeze_startup_objects
from core.texts import Texts
from domain.clock import SystemClock
from domain.rate_limit import RateLimiter
from domain.subscriptions import Topic
from notifier.notices import NoticeDesk
from notifier.outbox import PENDING, OutboxSender
from services.notices import NoticePolicy
from storage.engine import create_engine, create_sessionmaker
from storage.models import ConsentRow, OutboxRow
from tests.notifier.fake_bot_api import TOKEN

FIRST_BARE_CHAT = 7_000_000_000


async def enqueue_broadcast(
    sessionmaker: async_sessionmaker[AsyncSession],
    chats: Iterable[int],
    *,
    notice: int,
    batch: int = 1000,
    before_compose: Callable[[], Awaitable[None]] | None = None,
    after_compose: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """A one-off notice (text "notice <n>") to every chat, the way staff send one: each chat
    is a person who consented, written `batch` at a time, then `NoticeDesk.compose` reads
    them back page by page (never the whole list at once) and queues one outbox row each.
    Returns how many rows the notice got."""
    clock = SystemClock()
    chunk: list[int] = []
    decided = clock.now() - timedelta(days=1)

    async def write() -> None:
        async with sessionmaker() as session:
            await session.execute(
                insert(ConsentRow),
                [
                    {
                        "user_id": c,
                        "decision": "given",
                        "text_version": "v1",
                        "decided_at": decided,
                    }
                    for c in chunk
                ],
            )
            await session.commit()
        chunk.clear()

    for chat_id in chats:
        chunk.append(chat_id)
        if len(chunk) >= batch:
            await write()
    if chunk:
        await write()
    desk = NoticeDesk(
        sessionmaker,
        texts=Texts.load(),
        clock=clock,
        policy=NoticePolicy(zone=ZoneInfo("Europe/Moscow"), quiet=None, page=batch),
    )
    if before_compose is not None:  # a bench: fresh statistics, start measuring
        await before_compose()
    notice_id = await desk.compose(
        Topic.TARIFF, f"notice {notice}", created_by=None, source="broadcast"
    )
    if after_compose is not None:  # a bench: stop measuring before counting the rows
        await after_compose()
    async with sessionmaker() as session:
        count = await session.scalar(select(func.count()).where(OutboxRow.notice_id == notice_id))
    return int(count or 0)


async def pending(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == PENDING)
        )
    return int(count or 0)


def _rss_mb() -> float:
    """The resident set now (Linux), in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def main(args: argparse.Namespace) -> int:
    baseline = _rss_mb()  # the imports alone (aiogram's models are most of it)
    if args.freeze:
        freeze_startup_objects()  # as the bot does (bot/runner.py)
    engine = create_engine(args.database_url)
    sessionmaker = create_sessionmaker(engine)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api_url)))
    clock = SystemClock()
    done = 0  # rows whose outcome (not pending) the sender has stored

    def on_stored(outcomes: list[dict[str, Any]]) -> None:
        nonlocal done
        done += sum(1 for outcome in outcomes if outcome["new_status"] != PENDING)

    sender = OutboxSender(
        sessionmaker,
        bot,
        clock,
        RateLimiter(global_per_second=args.rate, global_burst=args.burst),
        in_flight=args.in_flight,
        batch=args.batch,
        flush_interval=timedelta(milliseconds=args.flush_ms),
        on_stored=on_stored,
    )
    cpu, wall = time.process_time(), time.monotonic()
    stop = asyncio.Event()

    async def watch() -> None:
        """Stop the sender once `--until-count` rows are settled (counted as the sender
        stores them: a count over the backlog each second would be the bench's own cost on
        the sender's loop), or without it once nothing is pending; or after `--stop-after`
        seconds, in the middle of a round (a round of a 100 000-chat backlog lasts an hour)."""
        while True:
            await asyncio.sleep(1.0)
            if args.stop_after and time.monotonic() - wall >= args.stop_after:
                sending.cancel()
                break
            if args.until_count:
                if done >= args.until_count:
                    break
            elif not await pending(sessionmaker):
                break
        stop.set()

    # The bot's own loop (bot/runner.py): rounds, and between them a wait until the next
    # chat may send, a wake or a second.
    sending = asyncio.create_task(sender.run_forever(stop))
    watcher = asyncio.create_task(watch())
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await watcher
    finally:
        await bot.session.close()
        await engine.dispose()
    if args.report:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        report = {
            "cpu_seconds": time.process_time() - cpu,
            "wall_seconds": time.monotonic() - wall,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "baseline_rss_mb": baseline,
        }
        print(json.dumps(report), flush=True)
    return 0


async def bare(args: argparse.Namespace) -> int:
    """The baseline: plain aiogram `send_message` calls at the same rate and concurrency, no
    database, no outbox. Prints its CPU seconds and peak memory as JSON."""
    baseline = _rss_mb()
    if args.freeze:
        freeze_startup_objects()
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api_url)))
    text = "x" * args.text_length
    slots = asyncio.Semaphore(args.in_flight)
    running: set[asyncio.Task[None]] = set()

    async def one(chat_id: int) -> None:
        try:
            while True:
                try:
                    await bot.send_message(chat_id, text)
                    return
                except TelegramRetryAfter as error:
                    await asyncio.sleep(error.retry_after)
        finally:
            slots.release()

    cpu, wall = time.process_time(), time.monotonic()
    try:
        for index in range(args.bare):
            await asyncio.sleep(max(0.0, wall + index / args.rate - time.monotonic()))
            await slots.acquire()
            task = asyncio.create_task(one(FIRST_BARE_CHAT + index))
            running.add(task)
            task.add_done_callback(running.discard)
        await asyncio.gather(*running)
    finally:
        await bot.session.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {
        "cpu_seconds": time.process_time() - cpu,
        "wall_seconds": time.monotonic() - wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "baseline_rss_mb": baseline,
    }
    print(json.dumps(report), flush=True)
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--rate", type=float, default=25.0, help="the sender's global rate")
    parser.add_argument("--burst", type=int, default=None)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--flush-ms", type=float, default=200)
    parser.add_argument("--report", action="store_true", help="print CPU and memory as JSON")
    parser.add_argument(
        "--stop-after", type=float, default=0, help="or stop after this many seconds"
    )
    parser.add_argument(
        "--until-count", type=int, default=0, help="run until this many rows are settled"
    )
    parser.add_argument(
        "--bare", type=int, default=0, help="instead: this many plain aiogram sends (baseline)"
    )
    parser.add_argument("--text-length", type=int, default=300, help="the baseline's text")
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="leave the start-up objects to the garbage collector (the bot freezes them)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    sys.exit(asyncio.run(bare(arguments) if arguments.bare else main(arguments)))
