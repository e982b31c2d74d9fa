"""The deadline check and the daily digest at a million appeals (issue 16, point 6).

Generates `--count` appeals over five years (bulk inserts, not the services: a million
registrations through the desk would take an hour), about `--open` of them open: the ones
registered in the last 45 days and a share of older ones left overdue. Then times, on the
event loop, `check_deadlines` (the first run, which warns of every appeal already at a stage;
runs right after it, nothing new; the next morning, the appeals whose stage moved
overnight, and runs after that) and `daily_digest`, each with the longest time it blocked
the event loop (bench/loop_lag.py).

    python bench/deadlines.py                                  # SQLite in a temporary file
    python bench/deadlines.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test_x

The database is emptied first: give it one made for this (appeals already there in the
number asked for are kept: `--sqlite-file` keeps a generated SQLite file for the next run).
Goal: no steady run and no digest blocks the loop over 50 ms at 1 000 000 appeals (27 000
open).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loop_lag import LoopLag  # noqa: E402
from sqlalchemy import delete, func, insert, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bot.process import freeze_startup_objects  # noqa: E402
from core.texts import Texts  # noqa: E402
from domain.appeals import AnswerChannel, AppealKind, ServiceForm, Subject  # noqa: E402
from domain.clock import FixedClock  # noqa: E402
from domain.deadlines import SetCalendar, due_date  # noqa: E402
from notifier.deadlines import DeadlinePolicy, check_deadlines, daily_digest  # noqa: E402
from storage.engine import create_engine, create_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import AppealRow, Base  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

ZONE = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
STAFF_CHAT = -1_001_234_567_890


def _rows(count: int, open_target: int) -> Iterator[list[dict[str, object]]]:
    rng = random.Random(16)
    calendar = SetCalendar()
    span = timedelta(days=5 * 365)
    recent = timedelta(days=45)
    recent_share = recent / span
    older_open = max(0.0, (open_target - count * recent_share) / (count * (1 - recent_share)))
    rows: list[dict[str, object]] = []
    for index in range(count):
        if len(rows) >= 10_000:
            yield rows
            rows = []
        registered_at = NOW - span * (1 - index / count)
        is_open = registered_at > NOW - recent or rng.random() < older_open
        due_at = due_date(registered_at=registered_at, days=30, calendar=calendar, zone=ZONE)
        rows.append(
            {
                "number": f"Ж-{registered_at.year}-{index + 1:07d}",
                "year": registered_at.year,
                "sequence": index + 1,
                "user_id": None,
                "kind": AppealKind.COMPLAINT.value,
                "subject": Subject.SERVICE_QUALITY.value,
                "form": ServiceForm.PHONE.value,
                "status": "in_progress" if is_open else "closed",
                "registered_at": registered_at,
                "received_at": registered_at,
                "due_at": due_at,
                "extended": False,
                "text": "Текст обращения",
                "full_name": "Иванов Иван Иванович",
                "address": "",
                "answer_channel": AnswerChannel.PHONE.value,
                "contact": "+7 920 000 00 00",
                "flags": [],
                "reopen_count": 0,
                "assignee_id": None if index % 3 else 8_000_001,
                "survey_comment": "",
            }
        )
    yield rows


async def _timed(label: str, work: Awaitable[object]) -> None:
    async with LoopLag() as lag:
        result = await work
    print(f"  {label:<36} ({result})\n    {lag.summary()}")


async def _generate(
    sessionmaker: async_sessionmaker[AsyncSession], url: str, count: int, open_target: int
) -> None:
    """An empty database, then `count` appeals; with `reuse`, appeals already there in that
    number are kept and only what the jobs write is emptied."""
    async with sessionmaker() as session:
        there = await session.scalar(select(func.count()).select_from(AppealRow))
        kept = there == count
        for table in reversed(Base.metadata.sorted_tables):
            if not (kept and table is AppealRow.__table__):
                await session.execute(delete(table))
        await session.commit()
    if kept:
        print(f"{count} appeals kept from the last run")
        return
    started = time.monotonic()
    opened = 0
    async with sessionmaker() as session:
        await session.execute(delete(AppealRow))
        for rows in _rows(count, open_target):
            opened += sum(1 for row in rows if row["status"] != "closed")
            await session.execute(insert(AppealRow), rows)
        await session.commit()
        if not url.startswith("sqlite"):
            await session.execute(text("ANALYZE"))
            await session.commit()
    print(f"{count} appeals, {opened} open, written in {time.monotonic() - started:.0f} s")


async def run(url: str, count: int, open_target: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    await _generate(sessionmaker, url, count, open_target)
    texts = Texts.load()
    freeze_startup_objects()  # as the bot does (bot/runner.py)
    policy = DeadlinePolicy(zone=ZONE, calendar=SetCalendar(), staff_chat_id=STAFF_CHAT)
    clock = FixedClock(NOW)

    async def check(now: datetime) -> int:
        uow = UnitOfWork(sessionmaker, clock=clock)
        try:
            warned = await check_deadlines(uow, texts=texts, policy=policy, now=now)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        return warned

    async def digest(now: datetime) -> bool:
        uow = UnitOfWork(sessionmaker, clock=clock)
        try:
            done = await daily_digest(uow, texts=texts, policy=policy, now=now, once=False)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        return done

    await _timed("deadline check, first run", check(NOW))
    for minutes in (30, 60, 90):
        later = NOW + timedelta(minutes=minutes)
        await _timed("deadline check, again (nothing new)", check(later))
    await _timed("deadline check, the next morning", check(NOW + timedelta(days=1)))
    for minutes in (30, 60, 90):
        await _timed("deadline check, again", check(NOW + timedelta(days=1, minutes=minutes)))
    for minutes in (0, 1, 2):
        await _timed("daily digest", digest(NOW + timedelta(days=1, minutes=minutes)))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=27_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        help="SQLite in this file, kept afterwards: a second run reuses its appeals",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.sqlite_file or Path(folder) / "deadlines.db"
        url = args.database_url or f"sqlite+aiosqlite:///{path}"
        print(f"database: {url.split(':')[0]}")
        asyncio.run(run(url, args.count, args.open))


if __name__ == "__main__":
    main()
