"""A notice to 5 000 people survives a sender killed three times: everyone gets it, and
only the sends whose outcome was not stored yet at a kill can repeat.

The fake Bot API (fake_bot_api.py) runs in the test process; the sender runs in a child
process (broadcast_worker.py) that is killed with SIGKILL at random moments after some
messages arrived, and started again. The fake counts a message as delivered when it arrives,
before its answer, as Telegram would.

The bound: the sender starts a send only while fewer than `batch` sends have no stored
outcome (sent or in flight, notifier/outbox.py `_make_room`), so a kill can repeat at most
`batch` messages; three kills, at most 3 x `batch`. Outcomes are also stored every
`flush_interval`, so in practice a kill repeats about the sends of one interval plus those in
flight; the measured number is printed (run with -s to see it).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxRow
from tests.notifier.broadcast_worker import enqueue_broadcast
from tests.notifier.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 5_000
FIRST_CHAT = 7_000_000_000
KILLS = 3
BATCH = 100
IN_FLIGHT = 8
FLUSH_MS = 20


async def _start(database_url: str, api_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.notifier.broadcast_worker",
        "--database-url",
        database_url,
        "--api-url",
        api_url,
        "--rate",
        "900",
        "--burst",
        "30",
        "--in-flight",
        str(IN_FLIGHT),
        "--batch",
        str(BATCH),
        "--flush-ms",
        str(FLUSH_MS),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def _until(condition: object, process: asyncio.subprocess.Process) -> None:
    """Poll `condition()` (a safety timeout, not a timing claim)."""
    for _ in range(6000):
        if condition():  # type: ignore[operator]
            return
        if process.returncode is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the sender made no progress in 60 s")


@pytest.mark.timeout(300)
async def test_a_notice_survives_three_kills_and_repeats_only_unstored_sends(
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
) -> None:
    chats = range(FIRST_CHAT, FIRST_CHAT + RECIPIENTS)
    assert await enqueue_broadcast(sessionmaker, chats, notice=1) == RECIPIENTS
    api = FakeBotApi(rate=1000, latency=0.01, record_file=tmp_path / "accepted.tsv")
    api_url = await api.start()
    rng = random.Random()
    kills: list[int] = []  # messages accepted at each kill
    try:
        for _ in range(KILLS):
            process = await _start(database_url, api_url)
            # Some way into what is left, then a random moment within a few sends.
            target = len(api.accepted) + rng.randint(200, (RECIPIENTS - len(api.accepted)) // 3)
            await _until(lambda target=target: len(api.accepted) >= target, process)
            await asyncio.sleep(rng.uniform(0, 0.05))
            assert process.returncode is None, "the sender finished before it was killed"
            process.send_signal(signal.SIGKILL)
            await process.wait()
            kills.append(len(api.accepted))
        process = await _start(database_url, api_url)
        assert await asyncio.wait_for(process.wait(), timeout=120) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await api.close()

    per_chat = api.chats()
    missing = [chat for chat in chats if per_chat[chat] == 0]
    repeated = sum(count - 1 for count in per_chat.values())
    print(
        f"\n{RECIPIENTS} recipients, killed after {kills} messages: {repeated} repeated "
        f"(bound {KILLS * BATCH})"
    )
    assert missing == []
    assert set(per_chat) == set(chats)
    assert repeated <= KILLS * BATCH
    # The file the fake appended to tells the same story as its memory.
    lines = (tmp_path / "accepted.tsv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(api.accepted)
    async with sessionmaker() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
                )
            ).all()
        )
    assert statuses == {"sent": RECIPIENTS}
