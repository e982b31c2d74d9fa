"""Where the bot's stack spends its time per update: cProfile over one workload of
bench/throughput.py (the stack only, no echo baseline), on a fresh SQLite file.

    python bench/profile_updates.py --mix file --people 200          # top 40 by own time
    python bench/profile_updates.py --mix file --sort cumulative --top 60
    python bench/profile_updates.py --mix file --output file.prof    # for snakeviz & co.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import (  # noqa: E402
    Keyboards,
    check_filed,
    feed_all,
    files_appeal,
    registry_csv,
    reset_database,
    workload,
)

from bot.factory import build_app, build_bot  # noqa: E402
from bot.settings import Settings  # noqa: E402
from core.texts import Texts  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from services.account_import import AccountImportService  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from storage.repositories import SqlAccountRegistry  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TOKEN = "1000001:bench"


async def profile(args: argparse.Namespace, url: str) -> None:
    texts = Texts.load()
    settings = Settings(
        # PostgreSQL needs a key for the ПП 55 identity data (storage/crypto.py).
        pd_encryption_key=os.environ.get("PD_ENCRYPTION_KEY") or new_key(),
        _env_file=None,
        database_url=url,
        content_dir=ROOT / "content",
        redis_url=None,
    )
    await reset_database(url)
    app = await build_app(settings, clock=SystemClock(), texts=texts)
    try:
        uow = UnitOfWork(app.sessionmaker, clock=app.clock)
        await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
            registry_csv(args.people), now=app.clock.now()
        )
        await uow.commit()
        sections = [s.id for s in app.content.all_sections()]
        search = app.content.get("readings").keywords[0]
        keyboards = Keyboards()
        bot = build_bot(settings, session=keyboards, token=TOKEN)
        if args.mix in {"return", "file"}:
            first = workload(args.people, texts, sections, search, mix="first")
            await feed_all(app.dispatcher, bot, first, 1, keyboards.press)
        scripts = workload(args.people, texts, sections, search, mix=args.mix)
        updates = sum(len(s) for s in scripts)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        await feed_all(app.dispatcher, bot, scripts, args.concurrency, keyboards.press)
        profiler.disable()
        seconds = time.perf_counter() - started
        await check_filed(
            app.sessionmaker, sum(files_appeal(args.mix, i) for i in range(args.people))
        )
    finally:
        await app.close()
    print(
        f"{updates} updates in {seconds:.2f} s (profiled): {seconds / updates * 1e3:.3f} ms each"
    )
    if args.output:
        profiler.dump_stats(args.output)
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument(
        "--mix", choices=["mixed", "mixed-no-filing", "first", "file", "return"], default="file"
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--output", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        asyncio.run(profile(args, url))


if __name__ == "__main__":
    main()
