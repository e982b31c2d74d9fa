"""The sending process of the broadcast crash test and of bench/broadcast.py: the real
`OutboxSender` sends the outbox to a Bot API at `--api-url` until no row is pending, then
exits 0.

    python -m tests.notifier.broadcast_worker --database-url URL --api-url http://127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from collections.abc import Iterable
from datetime import timedelta

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import SystemClock
from domain.rate_limit import RateLimiter
from notifier.outbox import PENDING, OutboxSender, enqueue
from storage.engine import create_engine, create_sessionmaker
from storage.models import OutboxRow
from storage.uow import UnitOfWork
from tests.notifier.fake_bot_api import TOKEN


async def enqueue_broadcast(
    sessionmaker: async_sessionmaker[AsyncSession],
    chats: Iterable[int],
    *,
    notice: int,
    batch: int = 1000,
) -> int:
    """Queue notice `notice` to every chat (dedup key `notice:<n>:<chat>`), `batch` rows per
    transaction, so that the list is never held whole. Returns how many rows."""
    clock = SystemClock()
    count = 0
    chunk: list[int] = []

    async def write() -> None:
        uow = UnitOfWork(sessionmaker, clock=clock)
        now = clock.now()
        for chat_id in chunk:
            enqueue(
                uow,
                chat_id=chat_id,
                method="send_message",
                payload={"text": f"notice {notice}"},
                now=now,
                dedup_key=f"notice:{notice}:{chat_id}",
            )
        await uow.commit()
        chunk.clear()

    for chat_id in chats:
        chunk.append(chat_id)
        count += 1
        if len(chunk) >= batch:
            await write()
    if chunk:
        await write()
    return count


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
    engine = create_engine(args.database_url)
    sessionmaker = create_sessionmaker(engine)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api_url)))
    clock = SystemClock()
    sender = OutboxSender(
        sessionmaker,
        bot,
        clock,
        RateLimiter(global_per_second=args.rate, global_burst=args.burst),
        in_flight=args.in_flight,
        batch=args.batch,
        flush_interval=timedelta(milliseconds=args.flush_ms),
    )
    cpu, wall = time.process_time(), time.monotonic()
    try:
        while True:
            await sender.run_once()
            if not await pending(sessionmaker):
                break
            now = clock.now()
            due = sender.next_due(now)
            delay = 0.05 if due is None else (due - now).total_seconds()
            await asyncio.sleep(min(max(delay, 0.0), 0.05))
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
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
