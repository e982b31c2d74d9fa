"""What the persistent outbox costs: messages per second sent through it vs the same messages
sent straight with `bot.send_message`, in one process, against the in-process Bot API
(bot/local_api.py), pacing switched off so that only our own work is measured.

Each round: N messages to N private chats (a notice run, an answer per person). The outbox
side counts everything: the insert in the caller's transaction (batches of 50), loading due
rows, the call, storing the outcome. Telegram allows about 30 messages a second, so what
matters is that the outbox is two orders of magnitude faster than that, not the ratio.

    python bench/outbox.py                       # SQLite file in a temp folder
    python bench/outbox.py --messages 5000
    python bench/outbox.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete  # noqa: E402

from bot.delivery import build_sender  # noqa: E402
from bot.factory import build_app, build_bot  # noqa: E402
from bot.local_api import LocalApiSession  # noqa: E402
from bot.settings import Settings  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from domain.rate_limit import RateLimiter  # noqa: E402
from notifier.outbox import enqueue  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from storage.models import OutboxRow  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TOKEN = "1000001:bench"
STAFF_CHAT = -1_001_234_567_890


class Unpaced(RateLimiter):
    def earliest(self, chat_id: int, now: datetime, *, interactive: bool = False) -> datetime:
        return now

    def chat_earliest(self, chat_id: int, now: datetime, *, interactive: bool = False) -> datetime:
        return now


async def run(messages: int, rounds: int, database_url: str) -> None:
    settings = Settings(
        # PostgreSQL needs a key for the ПП 55 identity data (storage/crypto.py).
        pd_encryption_key=os.environ.get("PD_ENCRYPTION_KEY") or new_key(),
        _env_file=None,
        database_url=database_url,
        content_dir=ROOT / "content",
        staff_chat_id=STAFF_CHAT,
    )
    app = await build_app(settings, clock=SystemClock())
    bot = build_bot(settings, session=LocalApiSession(), token=TOKEN)
    sender = build_sender(app, bot, forum=False, limiter=Unpaced())
    chats = [7_200_000 + i for i in range(messages)]
    direct_rates: list[float] = []
    outbox_rates: list[float] = []
    try:
        for round_no in range(1, rounds + 1):
            started = time.perf_counter()
            for chat_id in chats:
                await bot.send_message(chat_id, f"notice {round_no}")
            direct = messages / (time.perf_counter() - started)

            started = time.perf_counter()
            # Queued in batches of 50 per transaction, as a job or a handler would.
            for offset in range(0, messages, 50):
                uow = UnitOfWork(app.sessionmaker, clock=app.clock)
                now = app.clock.now()
                for chat_id in chats[offset : offset + 50]:
                    enqueue(
                        uow,
                        chat_id=chat_id,
                        method="send_message",
                        payload={"text": f"notice {round_no}"},
                        now=now,
                    )
                await uow.commit()
            while await sender.run_once():
                pass
            through = messages / (time.perf_counter() - started)
            direct_rates.append(direct)
            outbox_rates.append(through)
            print(
                f"  round {round_no}: direct {direct:7.0f} msg/s, outbox {through:7.0f} msg/s, "
                f"ratio {through / direct:.2f}x"
            )
            async with app.sessionmaker() as session:
                await session.execute(delete(OutboxRow))
                await session.commit()
    finally:
        await bot.session.close()
        await app.close()
    direct, through = statistics.median(direct_rates), statistics.median(outbox_rates)
    print(
        f"median: direct {direct:.0f} msg/s, outbox {through:.0f} msg/s, "
        f"ratio {through / direct:.2f}x (queue + send + record, pacing off)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        print(f"database: {url.split(':')[0]}, messages: {args.messages}, rounds: {args.rounds}")
        asyncio.run(run(args.messages, args.rounds, url))


if __name__ == "__main__":
    main()
