"""A notice to the whole base: `--count` consenting people, queued by the real `NoticeDesk`
(page by page), while a probe on the same event loop measures how long the loop is blocked
(the longest gap between two 5 ms ticks, minus the 5 ms). Goal: no block over 50 ms.

    python bench/notice_fanout.py --count 100000
    python bench/notice_fanout.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test_x
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, text  # noqa: E402

from storage.engine import create_engine, create_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Base  # noqa: E402
from tests.notifier.broadcast_worker import enqueue_broadcast  # noqa: E402

TICK = 0.005


async def run(url: str, count: int, page: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()
    gaps: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            gaps.append(now - last - TICK)
            last = now

    watchers: list[asyncio.Task[None]] = []
    started = 0.0

    async def before_compose() -> None:
        nonlocal started
        if not url.startswith("sqlite"):
            await _analyze(sessionmaker)  # PostgreSQL plans the pages by fresh statistics
        started = time.perf_counter()
        watchers.append(asyncio.create_task(probe()))

    queued = await enqueue_broadcast(
        sessionmaker,
        range(5_000_000_000, 5_000_000_000 + count),
        notice=1,
        batch=page,
        before_compose=before_compose,
    )
    elapsed = time.perf_counter() - started
    done.set()
    await asyncio.gather(*watchers)
    gaps.sort()
    print(f"{queued} rows queued in {elapsed:.1f} s (the notice fanned out)")
    print(
        f"  loop blocked: longest {1000 * gaps[-1]:.0f} ms, p99 "
        f"{1000 * gaps[int(0.99 * (len(gaps) - 1))]:.1f} ms, over 50 ms "
        f"{sum(1 for gap in gaps if gap > 0.05)} times"
    )
    await engine.dispose()


async def _analyze(sessionmaker: object) -> None:
    async with sessionmaker() as session:  # type: ignore[operator]
        await session.execute(text("ANALYZE"))
        await session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/fanout.db"
        print(f"database: {url.split(':')[0]}, {args.count} people")
        asyncio.run(run(url, args.count, args.page))


if __name__ == "__main__":
    main()
