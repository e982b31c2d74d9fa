"""A notice to the whole base: `--count` consenting people, queued by the real `NoticeDesk`
(page by page), while a probe on the same event loop measures how long the loop is blocked
(bench/loop_lag.py: the longest gap between two 5 ms ticks, minus the 5 ms). Goal: no block
over 50 ms.

    python bench/notice_fanout.py --count 100000
    python bench/notice_fanout.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test_x
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loop_lag import LoopLag  # noqa: E402
from sqlalchemy import delete, text  # noqa: E402

from bot.process import freeze_startup_objects  # noqa: E402
from storage.engine import create_engine, create_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Base  # noqa: E402
from tests.notifier.broadcast_worker import enqueue_broadcast  # noqa: E402


async def run(url: str, count: int, page: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()
    lag: LoopLag | None = None

    async def before_compose() -> None:
        nonlocal lag
        if not url.startswith("sqlite"):
            await _analyze(sessionmaker)  # PostgreSQL plans the pages by fresh statistics
        freeze_startup_objects()  # as the bot does (bot/runner.py)
        lag = LoopLag()
        await lag.__aenter__()

    async def after_compose() -> None:
        assert lag is not None
        await lag.__aexit__(None, None, None)

    queued = await enqueue_broadcast(
        sessionmaker,
        range(5_000_000_000, 5_000_000_000 + count),
        notice=1,
        batch=page,
        before_compose=before_compose,
        after_compose=after_compose,
    )
    assert lag is not None
    print(f"{queued} rows queued in {lag.wall:.1f} s (the notice fanned out)")
    print(f"  {lag.summary()}")
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
