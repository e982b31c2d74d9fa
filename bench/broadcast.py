"""A broadcast at Telegram's limit: a one-off notice to `--count` consenting people (queued by
the real `NoticeDesk`, page by page) sent by the real outbox sender
against a fake Bot API (tests/notifier/fake_bot_api.py) that refuses more than `--rate`
messages a second (429) and answers each after `--latency-ms`.

The fake runs in this process, the sender in a child process
(`python -m tests.notifier.broadcast_worker`), so that its CPU time and peak memory are its
own. The sender's global rate is `--headroom` x `--rate`: Telegram counts arrivals, the
sender counts its starts, and a little room keeps network jitter from making 31 in a
second. `--burst` is how many sends may go back to back (default: evenly spaced at 30/s,
rate / 30 at higher rates).

    python bench/broadcast.py --rate 30 --count 3000            # ~100 s
    python bench/broadcast.py --rate 1000 --count 20000 --in-flight 64
    python bench/broadcast.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test

The sender runs while the notice is queued, as in the bot, and starts on the first rows
committed (`--sequential`: once all are queued). Prints the achieved rate (first to last
accepted message) and its share of the cap, the rate counted from the fan-out process's
start (the recipients' consents written first) and from the notice's queueing, the
429 count, the sender's CPU seconds and share of one core (over its whole run: loading
pages, sending, storing outcomes), and its peak RSS. Goal at 30/s: >= 97 % of the cap, zero
429, < 3 % of a core, < 150 MB. The fake's own CPU is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete  # noqa: E402

from bot.process import freeze_startup_objects  # noqa: E402
from storage.engine import create_engine, create_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Base  # noqa: E402
from tests.notifier.fake_bot_api import FakeBotApi  # noqa: E402

FIRST_CHAT = 5_000_000_000
_FAN_OUT = """
import asyncio, sys, time
from storage.engine import create_engine, create_sessionmaker
from tests.notifier.broadcast_worker import enqueue_broadcast

async def main(url, first, count):
    engine = create_engine(url)

    async def composing():
        print("composing", time.monotonic(), flush=True)

    try:
        chats = range(first, first + count)
        sessionmaker = create_sessionmaker(engine)
        print(await enqueue_broadcast(sessionmaker, chats, notice=1, before_compose=composing))
    finally:
        await engine.dispose()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


async def run(args: argparse.Namespace, url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:  # a database of its own, or a test one: emptied
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()
    await engine.dispose()

    # The fake judges the rate by arrival times in this process: a 160 ms full collection
    # over the imported models would stall it and make on-time requests look bunched.
    freeze_startup_objects()
    api = FakeBotApi(rate=args.rate, latency=args.latency_ms / 1000)
    api_url = await api.start()
    burst = args.burst or max(1, int(args.rate) // 30)
    sender_rate = args.rate * args.headroom
    profile = ["-m", "cProfile", "-o", str(args.profile)] if args.profile else []
    # The notice is queued by a process of its own, the queueing counted in the rate. The
    # sender runs meanwhile, as in the bot (where each committed page wakes it), and starts
    # on the first rows committed; with --sequential it starts once every row is queued.
    started = time.monotonic()
    fan_out = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _FAN_OUT,
        url,
        str(FIRST_CHAT),
        str(args.count),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if args.sequential:
        composing = await _fanned(fan_out, started)
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        *profile,
        "-m",
        "tests.notifier.broadcast_worker",
        "--database-url",
        url,
        "--api-url",
        api_url,
        "--rate",
        str(sender_rate),
        "--burst",
        str(burst),
        "--in-flight",
        str(args.in_flight),
        "--flush-ms",
        str(args.flush_ms),
        "--report",
        "--until-count",
        str(args.count),
        "--stop-after",
        str(args.stop_after),
        *([] if args.freeze else ["--no-freeze"]),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if not args.sequential:
        composing = await _fanned(fan_out, started)
    out, _ = await worker.communicate()
    await api.close()
    if worker.returncode != 0:
        raise SystemExit(f"the sender failed ({worker.returncode})")
    report = json.loads(out.decode().strip().splitlines()[-1])
    accepted = api.accepted
    span = accepted[-1].at - accepted[0].at if len(accepted) > 1 else 0.0
    achieved = (len(accepted) - 1) / span if span else 0.0
    # From the start of the fan-out process (the recipients' consents written first, then
    # the notice queued) and from the notice's queueing to the last message accepted.
    overall = len(accepted) / (accepted[-1].at - started) if accepted else 0.0
    queued = len(accepted) / (accepted[-1].at - composing) if accepted else 0.0
    first = accepted[0].at - composing if accepted else 0.0
    per_chat = api.chats()
    repeated = sum(n - 1 for n in per_chat.values())
    cpu, wall = report["cpu_seconds"], report["wall_seconds"]
    print(
        f"cap {args.rate:g}/s (sender {sender_rate:g}/s, burst {burst}, in flight "
        f"{args.in_flight}, flush {args.flush_ms:g} ms), latency {args.latency_ms:g} ms"
    )
    print(f"  delivered   {len(per_chat)} of {args.count} chats, {repeated} repeated")
    if args.stop_after:
        print(f"  (the sender stopped after {args.stop_after:g} s, the rest still queued)")
    print(f"  achieved    {achieved:.2f} msg/s = {100 * achieved / args.rate:.1f} % of the cap")
    print(
        f"  overall     {overall:.2f} msg/s = {100 * overall / args.rate:.1f} % of the cap, "
        f"from the fan-out process's start"
    )
    print(
        f"  queueing    {queued:.2f} msg/s = {100 * queued / args.rate:.1f} % of the cap, from "
        f"the notice's queueing (first message {first:.2f} s after it began)"
    )
    print(f"  429         {api.rate_429 + api.injected_429}")
    print(f"  sender CPU  {cpu:.2f} s in {wall:.1f} s = {100 * cpu / wall:.2f} % of one core")
    print(
        f"  sender RSS  {report['peak_rss_mb']:.0f} MB peak "
        f"({report['baseline_rss_mb']:.0f} MB of it after the imports, before any work)"
    )
    if args.baseline:
        await _baseline(args, sender_rate, cpu / len(accepted), report["peak_rss_mb"])


async def _baseline(
    args: argparse.Namespace, rate: float, cpu_per_message: float, peak_mb: float
) -> None:
    """Plain aiogram sends at the same rate and concurrency, no database, against a fresh
    fake: what the outbox costs on top of aiogram itself."""
    api = FakeBotApi(rate=args.rate, latency=args.latency_ms / 1000)
    api_url = await api.start()
    count = min(args.count, args.baseline)
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.notifier.broadcast_worker",
        "--database-url",
        "unused",
        "--api-url",
        api_url,
        "--rate",
        str(rate),
        "--in-flight",
        str(args.in_flight),
        "--bare",
        str(count),
        *([] if args.freeze else ["--no-freeze"]),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out, _ = await worker.communicate()
    await api.close()
    if worker.returncode != 0:
        raise SystemExit(f"the baseline failed ({worker.returncode})")
    bare = json.loads(out.decode().strip().splitlines()[-1])
    bare_per_message = bare["cpu_seconds"] / count
    print(
        f"bare aiogram send_message, {count} messages at the same rate and concurrency:\n"
        f"  CPU         {1000 * bare_per_message:.2f} ms a message "
        f"({100 * bare['cpu_seconds'] / bare['wall_seconds']:.2f} % of one core); the "
        f"sender {1000 * cpu_per_message:.2f} ms = {cpu_per_message / bare_per_message:.2f}x\n"
        f"  RSS         {bare['peak_rss_mb']:.0f} MB peak; the sender "
        f"{peak_mb / bare['peak_rss_mb']:.2f}x"
    )


async def _fanned(fan_out: asyncio.subprocess.Process, started: float) -> float:
    """Wait for the fan-out process; the moment (time.monotonic) it began queueing."""
    fanned, _ = await fan_out.communicate()
    if fan_out.returncode != 0:
        raise SystemExit(f"the fan-out failed ({fan_out.returncode})")
    lines = fanned.decode().strip().splitlines()
    composing = next(float(line.split()[1]) for line in lines if line.startswith("composing "))
    print(
        f"notice fanned out to {int(lines[-1])} consenting people in "
        f"{time.monotonic() - started:.1f} s ({composing - started:.1f} s of it starting and "
        f"writing their consents, the rest queueing the notice)"
    )
    return composing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=30.0, help="the fake's cap, msg/s")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--headroom", type=float, default=0.98)
    parser.add_argument("--burst", type=int, default=None)
    parser.add_argument("--flush-ms", type=float, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--stop-after",
        type=float,
        default=0,
        help="stop the sender after this many seconds (a window of a long backlog)",
    )
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="start the sender once the fan-out has queued every row (not as the bot runs)",
    )
    parser.add_argument(
        "--baseline",
        type=int,
        default=3000,
        help="then plain aiogram sends (at most this many; 0: none) for comparison",
    )
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="do not gc.freeze() the start-up objects (the bot does, bot/runner.py)",
    )
    parser.add_argument(
        "--profile", type=Path, help="write the sender's cProfile stats here (slows it down)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        print(f"database: {url.split(':')[0]}, {args.count} messages")
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
