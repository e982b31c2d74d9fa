"""Issue 16, acceptance 1: three webhook workers behind one port, on PostgreSQL and Redis.

`reception webhook --workers 3` runs against the emulator. The emulator delivers updates by
getUpdates, so a small loopback forwarder here takes them and posts each to the webhook port
with the secret — over a fresh connection that it first asks `/worker` for its pid, and uses
only if that worker is not the one that had the previous update. So every step of the
consumer's dialog lands on a different worker process than the step before, and the test
knows which.

Then a notice to 1 000 people: its fan-out and sending are the leader's; the test kills the
leader with SIGKILL while the notice is going out, and checks that another worker leads
within 15 s, that every recipient gets it, that the duplicates stay within the at-least-once
window (docs/scaling.md), and that no second of the run exceeds the global cap. The cap is
raised to 100 a second here (GLOBAL_SEND_RATE=95, the limiter's margin as with Telegram's 30
and the default 28) so that the run stays well under a minute.

PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL) are needed; skipped otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.clock import SystemClock
from domain.subscriptions import Topic
from services.notices import NoticePolicy, NoticeService
from storage.engine import create_sessionmaker, is_sqlite
from storage.models import AppealRow, ConsentRow
from storage.notice_drafts import SqlNoticeDrafts
from storage.notices import SqlNoticeStore
from storage.uow import UnitOfWork

from .client import BotProcess, Emulator, GroupChat
from .conftest import RECEPTION, ROOT, BotFactory, UserFactory, _base_env
from .test_appeal_journey import COMPLAINT, _link, _to_text

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "e2e-webhook-secret"
STAFF_CHAT = -1_001_234_567_890
RECIPIENTS = 1_000
FIRST_RECIPIENT = 9_100_000_001
CAP = 100  # the global cap this test holds the bot to (messages in any second)
RATE = 95  # GLOBAL_SEND_RATE: the limiter's pace, with a margin under the cap
TAKEOVER = 15.0  # s: the bound for a new leader
COUNTED = ("send", "copy", "forward", "edit")


def _phase(*what: object) -> None:
    print("webhook-workers e2e:", *what, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest_asyncio.fixture
async def redis_prefix(database_url: str) -> AsyncIterator[str]:
    """A key prefix of this run's own in the shared Redis, deleted afterwards. Asked for
    first, so that the test is skipped before anything is set up."""
    if is_sqlite(database_url):
        pytest.skip("several workers need PostgreSQL: set TEST_DATABASE_URL")
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisConnectionError, OSError):
        await client.aclose()
        pytest.skip(f"several workers need Redis: none at {REDIS_URL} (TEST_REDIS_URL)")
    prefix = f"e2e-{uuid.uuid4().hex}"
    yield prefix
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


class Forwarder:
    """Takes the bot's updates from the emulator and posts each to a worker other than the
    one that had the previous update; remembers (update_id, pid)."""

    def __init__(self, emulator: Emulator, token: str, webhook: str) -> None:
        self._updates_url = f"{emulator.base_url}/bot{token}/getUpdates"
        self._webhook = webhook
        self._base = webhook.rsplit("/", 1)[0]
        self.delivered: list[tuple[int, int]] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        offset = 0
        async with aiohttp.ClientSession() as poll:
            while not self._stop.is_set():
                async with poll.post(
                    self._updates_url, json={"offset": offset, "timeout": 1}
                ) as r:
                    updates = (await r.json())["result"]
                for update in updates:
                    offset = max(offset, update["update_id"] + 1)
                    await self._deliver(update)

    async def _deliver(self, update: dict[str, Any]) -> None:
        previous = self.delivered[-1][1] if self.delivered else None
        for _attempt in range(200):
            # One connection per session: /worker and the update go over the same one, so
            # the pid answered is that of the worker that handles the update.
            connector = aiohttp.TCPConnector(limit=1, force_close=False)
            async with aiohttp.ClientSession(connector=connector) as http:
                try:
                    async with http.get(f"{self._base}/worker") as r:
                        pid = int((await r.json())["pid"])
                    if pid == previous:
                        continue
                    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                    async with http.post(self._webhook, json=update, headers=headers) as r:
                        assert r.status == 200, await r.text()
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.2)  # a worker starting or stopping
                    continue
            self.delivered.append((update["update_id"], pid))
            return
        raise AssertionError(f"update {update['update_id']} could not be delivered")


async def _workers(base: str, *, seconds: float) -> dict[int, bool]:
    """pid -> leads?, from /worker over fresh connections for `seconds`."""
    seen: dict[int, bool] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with http.get(f"{base}/worker") as r:
                    body = await r.json()
                    seen[int(body["pid"])] = bool(body["leader"])
        await asyncio.sleep(0.01)
    return seen


async def _leader(base: str, *, within: float) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        leaders = [pid for pid, leads in (await _workers(base, seconds=0.3)).items() if leads]
        if leaders:
            return leaders[0]
    raise AssertionError(f"no worker leads within {within} s")


async def _compose_notice(engine: AsyncEngine) -> int:
    """1 000 people who consented, and an urgent notice to them stored as staff would store
    it — the fan-out is left to the leader, woken by NOTIFY as a worker would wake it."""
    decided = datetime.now(UTC) - timedelta(days=1)
    async with engine.begin() as connection:
        await connection.execute(
            insert(ConsentRow),
            [
                {"user_id": FIRST_RECIPIENT + n, "decision": "given", "text_version": "v1"}
                | {"decided_at": decided}
                for n in range(RECIPIENTS)
            ],
        )

    class NoQueue:
        def after_commit(self) -> None:
            pass

    clock = SystemClock()
    uow = UnitOfWork(create_sessionmaker(engine), clock=clock)
    async with uow:
        notice_id = await NoticeService(
            store=SqlNoticeStore(uow),
            drafts=SqlNoticeDrafts(uow),
            queue=NoQueue(),
            clock=clock,
            policy=NoticePolicy(zone=ZoneInfo("Europe/Moscow")),
        ).compose(Topic.EMERGENCY_OUTAGE, "Уведомление всем", created_by=None, source="e2e")
        await uow.commit()
    async with engine.begin() as connection:
        await connection.execute(text("SELECT pg_notify('reception_wake', 'notices')"))
    return notice_id


@pytest.mark.timeout(300)  # the workers' start on a busy CI machine; the run itself < 60 s
async def test_three_workers_one_dialog_one_appeal_and_a_leader_killed_mid_notice(
    redis_prefix: str,
    make_bot: BotFactory,
    make_user: UserFactory,
    bot_env: dict[str, str],
    emulator: Emulator,
    bot_token: str,
    engine: AsyncEngine,
) -> None:
    run_started = time.time()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **_base_env(),
        **bot_env,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": redis_prefix,
        "WEBHOOK_SECRET": SECRET,
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "GLOBAL_SEND_RATE": str(RATE),
        "OUTBOX_RATE": str(RATE),
        "LOG_LEVEL": "INFO",
    }
    workers: BotProcess = make_bot(
        [RECEPTION, "webhook", "--workers", "3", "--port", str(port)], env=env, cwd=ROOT
    )
    workers.start()
    staff = make_user(user_id=8_100_001, first_name="Анна", chat=GroupChat(STAFF_CHAT, "Staff"))
    await staff.set_chat_member("member")
    forwarder = Forwarder(emulator, bot_token, f"{base}/webhook")
    try:
        await workers.wait_for_log("listening on", timeout=120)
        await _leader(base, within=30)
        _phase("workers up")
        forwarder.start()

        # -- one dialog, every step on another worker than the step before ---------------
        user = make_user(first_name="Мария")
        await _link(user)
        await _to_text(user)
        await user.send_text(COMPLAINT)
        await user.wait_for_text("Приложите фото")
        await user.press("Готово")
        await user.wait_for_text("фамилия, имя и отчество")
        await user.press("Иванова Мария Петровна")
        await user.wait_for_text("Адрес, к которому относится")
        await user.press("Пропустить")
        await user.wait_for_text("Как вам удобнее получить ответ")
        await user.press("В этот чат")
        await user.wait_for_text("Относитесь ли вы")
        await user.press("Не указывать")
        await user.wait_for_text("Проверьте обращение", timeout=30)
        await user.press("Отправить")
        registered = await user.wait_for_text("Обращение зарегистрировано", timeout=30)
        number = re.search(r"ВЭ-\d{4}-\d{6}", registered.content)
        assert number is not None

        pids = [pid for _update, pid in forwarder.delivered]
        assert len(pids) >= 15
        assert all(a != b for a, b in itertools.pairwise(pids)), pids
        assert len(set(pids)) == 3, pids  # all three workers took part

        card = await staff.wait_for_text(number.group(0), timeout=30)
        await staff.fetch(wait=2.0)  # a second card would come within this
        cards = [m for m in staff.inbox if number.group(0) in m.content and not m.is_edit]
        assert len(cards) == 1, [m.content for m in cards]
        assert card is not None
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(AppealRow)) == 1

        # Every worker serves /metrics and /readyz on the webhook port (issue 16, point 4).
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                exposition = await response.text()
            async with http.get(f"{base}/readyz") as response:
                assert response.status == 200, await response.text()
        assert "reception_updates_total" in exposition and "reception_leader" in exposition

        # -- a notice to 1 000, and the leader killed while it goes out ------------------
        _phase("dialog done on", sorted(set(pids)))
        leader = await _leader(base, within=5)
        notice_id = await _compose_notice(engine)
        _phase("notice", notice_id, "leader", leader)
        recipients = set(range(FIRST_RECIPIENT, FIRST_RECIPIENT + RECIPIENTS))

        async def delivered_to() -> list[int]:
            calls = await emulator.calls("sendMessage", token=bot_token)
            return [int(c["params"]["chat_id"]) for c in calls]

        sent_before_kill = 0
        deadline = time.monotonic() + 60
        while sent_before_kill < RECIPIENTS // 4:  # a quarter gone: the notice is under way
            assert time.monotonic() < deadline, f"the notice did not start: {sent_before_kill}"
            await asyncio.sleep(0.1)
            sent_before_kill = len(set(await delivered_to()) & recipients)
        _phase("killing the leader after", sent_before_kill)
        os.kill(leader, signal.SIGKILL)
        killed_at = time.monotonic()
        successor = await _leader(base, within=TAKEOVER + 5)
        took_over = time.monotonic() - killed_at
        assert successor != leader
        assert took_over < TAKEOVER, took_over

        deadline = time.monotonic() + 60
        while not recipients <= set(await delivered_to()):
            assert time.monotonic() < deadline, len(set(await delivered_to()) & recipients)
            await asyncio.sleep(0.25)
        await asyncio.sleep(1.0)
        counts = Counter(chat for chat in await delivered_to() if chat in recipients)
        duplicates = sum(n - 1 for n in counts.values())
        # At least once: what the killed leader had sent but not yet marked sent goes again
        # (at most OUTBOX_IN_FLIGHT calls under way plus the outcomes not stored yet).
        assert duplicates <= 2 * 8, duplicates

        calls = [
            c
            for c in await emulator.calls(token=bot_token)
            if str(c["method"]).startswith(COUNTED) and c["time"] >= run_started * 1000
        ]
        per_second = Counter(int(c["time"]) // 1000 for c in calls)
        busiest = max(per_second.values())
        assert busiest <= CAP, sorted(per_second.values())[-5:]
        print(
            f"\nwebhook workers: dialog over pids {sorted(set(pids))}, {len(pids)} steps; "
            f"leader {leader} killed, {successor} led after {took_over:.1f} s; "
            f"{RECIPIENTS} recipients, {duplicates} duplicates; busiest second {busiest} "
            f"(cap {CAP}); run {time.time() - run_started:.0f} s"
        )
    finally:
        await forwarder.close()
        workers.stop(timeout=40)
