"""Load over the webhook (issue 16, point 7): simulated consumers talk to `reception webhook
--workers N` — the real CLI, separate processes — over real HTTP on loopback.

Each simulated person goes through the scripted dialogs of bench/throughput.py (a first
visit: /start, consent, account linking; every second person files an appeal through the
whole dialog; a return visit: menu, reference pages, a search, /help, /mydata) and sends each
step only once the bot has answered the previous one, as a person would. A person who has
finished makes room for the next one (a new Telegram user), so `--users` people are in a
dialog at every moment. Buttons are pressed by their text, looked up in the keyboard of the
last message the bot sent to that chat.

The Bot API is faked by an aiohttp server in this process on 127.0.0.1 (the workers'
TELEGRAM_API_URL): it answers every method at once and notes, per chat, when a message for it
arrives. Measured per step, on this process's clock:

- reply: from the start of the update's POST to the fake's receipt of the first message for
  that chat (send*, edit*, copy*: not answerCallbackQuery or a chat action) — what the
  person waits for;
- done: from the start of the POST to its HTTP answer (the update handled and committed,
  every reply of it sent: the webhook handles an update within its request).

A step answered only through the outbox (sent by the leader after the commit) has its reply
later than its `done`. The first `--warmup` seconds are left out (imports, caches, pools);
the CPU seconds of the worker processes (read from /proc/PID/stat) and the load average are
printed with every run, since the machine may be shared. The time each worker spent handling
updates comes from its own /metrics (reception_update_handling_seconds), and PostgreSQL's
sessions are sampled from pg_stat_activity every 100 ms, to tell where the time goes.

Several workers need PostgreSQL and Redis (dialog state, event isolation); one worker runs on
SQLite as well (no Redis), for reference. The global send budget (GLOBAL_SEND_RATE,
Telegram's ~30 messages a second for the whole bot) and the outbox sender's pace (OUTBOX_RATE,
25) are raised to their maximum here, 1000 a second: at Telegram's pace the limit, not the
bot, would be measured (200 people who answer at once want far more than 30 replies a
second; people who read and type do not).

    python bench/load.py                                            # SQLite, 1 worker
    python bench/load.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test_load \\
        --redis-url redis://127.0.0.1:6379/6 --workers 1,2,4 --sqlite --rounds 2
    python bench/load.py --users 20 --seconds 3 --warmup 1          # a smoke

On PostgreSQL it empties the database it is given: only a database whose name starts with
`test` is taken. Exit code 1 if a run had errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiogram.types import Update, User
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import (  # noqa: E402
    Press,
    Step,
    files_appeal,
    filing,
    first_visit,
    registry_csv,
    reset_database,
    return_visit,
)

from bot.settings import ENV_FILE_VARIABLE, Settings, env_names  # noqa: E402
from bot.startup import prepare_database  # noqa: E402
from core.texts import Texts  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from services.account_import import AccountImportService  # noqa: E402
from storage.content import load_content  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from storage.engine import create_engine, create_sessionmaker, is_sqlite  # noqa: E402
from storage.repositories import SqlAccountRegistry  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

BOT_ID = 1_000_001
TOKEN = f"{BOT_ID}:bench-load"
SECRET = "bench-load-secret"
RECEPTION = str(Path(sys.executable).parent / "reception")
FIRST_USER = 6_000_000
REPLY_TIMEOUT = 15.0  # s: a step without any answer by then is an error
START_TIMEOUT = 90.0  # s: the workers up (aiogram's import alone takes seconds of CPU)
GOAL_P99_MS = 50.0
# Not a reply a person reads: the spinner stopped, "typing…".
NOT_A_REPLY = frozenset({"answerCallbackQuery", "sendChatAction"})
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- the person's side ---------------------------------------------------------------------


@dataclass(slots=True)
class Person:
    """One simulated consumer: their chat, the keyboard of the last message the bot sent
    them, and the step in hand (when its POST started, when its first reply arrived)."""

    user: User
    keyboard: tuple[int, list[list[dict[str, Any]]]] = (0, [])
    sent_at: float | None = None
    replied_at: float | None = None
    replied: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(slots=True)
class Sample:
    started: float  # perf_counter at the POST
    reply: float | None  # seconds to the first reply (None: none came)
    done: float  # seconds to the HTTP answer
    ok: bool


@dataclass(slots=True)
class Traffic:
    """Everything one run saw: the steps, the errors by kind, the Bot API calls by method."""

    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    people_done: int = 0


class FakeBotApi:
    """Telegram's Bot API on 127.0.0.1, answering at once: a message for every send/edit,
    True for everything else; notes when each chat gets a message."""

    def __init__(self, traffic: Traffic) -> None:
        self.traffic = traffic
        self.people: dict[int, Person] = {}
        self._message_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        method = request.match_info["method"]
        self.traffic.calls[method] += 1
        params = dict(await request.post())
        chat_id = _int(params.get("chat_id"))
        result = self._result(method, params, chat_id)
        if chat_id is not None and method not in NOT_A_REPLY:
            person = self.people.get(chat_id)
            if person is not None:
                self._note(person, method, result, arrived)
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _note(person: Person, method: str, result: Any, at: float) -> None:
        if person.sent_at is not None and person.replied_at is None:
            person.replied_at = at
            person.replied.set()
        if method == "sendMessage" and isinstance(result, dict):
            rows = result.get("reply_markup", {}).get("inline_keyboard")
            if rows is not None:
                person.keyboard = (result["message_id"], rows)

    def _result(self, method: str, params: dict[str, Any], chat_id: int | None) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Приёмная", "username": "bench"}
        if method == "getChat":
            return {"id": chat_id or 0, "type": "private" if (chat_id or 0) > 0 else "group"}
        if method == "getChatMember":
            user = {"id": _int(params.get("user_id")) or 0, "is_bot": False, "first_name": "x"}
            return {"status": "member", "user": user}
        if method.startswith(("send", "edit")) and chat_id is not None:
            message_id = _int(params.get("message_id"))
            if message_id is None:
                message_id = next(self._message_ids)
            chat_type = "private" if chat_id > 0 else "supergroup"
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": chat_type},
                "text": params.get("text") or params.get("caption") or "-",
            }
            markup = params.get("reply_markup")
            if isinstance(markup, str) and markup.startswith('{"inline_keyboard"'):
                # A message carries inline keyboards only (a reply keyboard is the chat's).
                message["reply_markup"] = json.loads(markup)
            return message
        if method in {"copyMessage", "forwardMessage"}:
            return {"message_id": next(self._message_ids)}
        return True


def _int(value: object) -> int | None:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None


class ScriptBroken(Exception):
    """The bot's answer does not fit the script (a button it did not show)."""


_update_ids = itertools.count(1)


def _press(person: Person, press: Press) -> dict[str, Any]:
    message_id, rows = person.keyboard
    for row in rows:
        for button in row:
            if button.get("text") == press.label and "callback_data" in button:
                update_id = next(_update_ids)
                return {
                    "update_id": update_id,
                    "callback_query": {
                        "id": f"{person.user.id}-{update_id}",
                        "from": person.user.model_dump(mode="json", exclude_none=True),
                        "chat_instance": "bench",
                        "message": {
                            "message_id": message_id,
                            "date": int(time.time()),
                            "chat": {"id": person.user.id, "type": "private"},
                            "text": "-",
                        },
                        "data": button["callback_data"],
                    },
                }
    raise ScriptBroken(press.label)


def _update(person: Person, step: Step) -> dict[str, Any]:
    if isinstance(step, Press):
        return _press(person, step)
    assert isinstance(step, Update)
    body = step.model_dump(mode="json", exclude_none=True, by_alias=True)
    body["update_id"] = next(_update_ids)  # unique in this run, increasing
    return body


@dataclass(slots=True)
class Scripts:
    """People to drive, one after another: a script for each, from bench/throughput.py."""

    texts: Texts
    sections: list[str]
    search: str
    accounts: int
    _next: Iterator[int] = field(default_factory=itertools.count)

    recycled: int = 0

    def next_person(self) -> tuple[Person, list[Step]]:
        """The next new person; once the registry's accounts are all linked, a person linked
        earlier comes back for a return visit (counted in `recycled`)."""
        number = next(self._next)
        index = number % self.accounts
        user = User(id=FIRST_USER + index, is_bot=False, first_name="Bench")
        if number >= self.accounts:
            self.recycled += 1
            return Person(user), list(
                return_visit(user, index, self.texts, self.sections, self.search)
            )
        script = first_visit(user, index, self.texts)
        if files_appeal("mixed", index):
            script += filing(user, index, self.texts)
        script += return_visit(user, index, self.texts, self.sections, self.search)
        return Person(user), script


async def drive(
    http: aiohttp.ClientSession,
    url: str,
    api: FakeBotApi,
    scripts: Scripts,
    stop: asyncio.Event,
    *,
    think: float,
    seed: int,
) -> None:
    """One seat: a person after another, each step sent when the previous one is answered
    and `think` seconds on average after that (0.5 to 1.5 times it: reading, typing)."""
    pause = random.Random(seed)
    traffic = api.traffic
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    while not stop.is_set():
        person, script = scripts.next_person()
        api.people[person.user.id] = person
        try:
            for number, step in enumerate(script):
                if think > 0 and number > 0:
                    await asyncio.sleep(think * pause.uniform(0.5, 1.5))
                if stop.is_set():
                    return
                try:
                    body = _update(person, step)
                except ScriptBroken as broken:
                    traffic.errors[f"no button {broken}"] += 1
                    break
                person.replied.clear()
                person.replied_at = None
                person.sent_at = started = time.perf_counter()
                ok = True
                try:
                    async with http.post(url, json=body, headers=headers) as response:
                        await response.read()
                        if response.status != 200:
                            traffic.errors[f"http {response.status}"] += 1
                            ok = False
                except aiohttp.ClientError as error:
                    traffic.errors[type(error).__name__] += 1
                    ok = False
                done = time.perf_counter() - started
                if ok and person.replied_at is None:
                    # Answered through the outbox, after the commit: wait for it.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(person.replied.wait(), REPLY_TIMEOUT)
                reply = None if person.replied_at is None else person.replied_at - started
                if ok and reply is None:
                    traffic.errors["no reply"] += 1
                    ok = False
                traffic.samples.append(Sample(started, reply, done, ok))
                if not ok:
                    break
            else:
                traffic.people_done += 1
        finally:
            api.people.pop(person.user.id, None)


# -- the workers ---------------------------------------------------------------------------


def worker_env(
    *, api_url: str, database_url: str, redis_url: str | None, prefix: str, key: str
) -> dict[str, str]:
    """The environment of `reception webhook`: nothing of the bot's settings inherited, no
    `.env` read; the fake Bot API, the database, Redis, the secret."""
    names = env_names()
    env = {k: v for k, v in os.environ.items() if k.lower() not in names}
    env.update(
        {
            ENV_FILE_VARIABLE: "",
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url or "",
            "REDIS_PREFIX": prefix,
            "WEBHOOK_SECRET": SECRET,
            "PD_ENCRYPTION_KEY": key,
            "CONTENT_DIR": str(ROOT / "content"),
            "LOG_LEVEL": "WARNING",
            # Telegram's limits for the whole bot are not what is measured here (see above):
            # the replies' shared budget and the outbox sender's pace at their maximum.
            "GLOBAL_SEND_RATE": "1000",
            "OUTBOX_RATE": "1000",
            "OUTBOX_IN_FLIGHT": "64",
        }
    )
    return env


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and of its children still running (the forked workers)."""
    total = 0.0
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total += sum(cpu_seconds(int(child)) for child in children)
    return total


@contextlib.asynccontextmanager
async def workers(
    count: int, env: dict[str, str], port: int, log: Path, profile: Path | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`reception webhook --workers count` until every worker answers; stopped (SIGTERM,
    graceful) at the end. With `profile` (one worker: it serves in the process started),
    under cProfile, its statistics written there when it stops."""
    command = [RECEPTION, "webhook", "--workers", str(count), "--port", str(port)]
    if profile is not None:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), *command]
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while len(await worker_pids(port, tries=count * 8)) < count:
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the workers did not start:\n{_tail(log, 40)}")
            await asyncio.sleep(0.3)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()


def _tail(log: Path, lines: int) -> str:
    """The end of the workers' log (warnings and errors only: LOG_LEVEL=WARNING)."""
    return "\n".join(log.read_text().splitlines()[-lines:])


async def _per_worker(port: int, path: str, *, tries: int) -> dict[int, str]:
    """pid -> the body of GET `path`, over fresh connections (the kernel spreads them over
    the workers); `tries` connections at most."""
    seen: dict[int, str] = {}
    for _ in range(tries):
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as http:
            try:
                async with http.get(f"http://127.0.0.1:{port}/worker") as response:
                    pid = int((await response.json())["pid"])
                if pid in seen:
                    continue
                async with http.get(f"http://127.0.0.1:{port}{path}") as response:
                    seen[pid] = await response.text()
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    return seen


async def worker_pids(port: int, *, tries: int) -> set[int]:
    return set(await _per_worker(port, "/worker", tries=tries))


@dataclass(frozen=True, slots=True)
class Handling:
    count: float
    seconds: float
    buckets: tuple[tuple[float, float], ...]  # (upper bound, cumulative count)

    def minus(self, before: Handling) -> Handling:
        earlier = dict(before.buckets)
        return Handling(
            self.count - before.count,
            self.seconds - before.seconds,
            tuple((bound, n - earlier.get(bound, 0.0)) for bound, n in self.buckets),
        )

    def quantile(self, q: float) -> float:
        """The upper bound of the bucket the q-quantile falls in (Prometheus's buckets)."""
        for bound, n in self.buckets:
            if n >= q * self.count:
                return bound
        return float("inf")


async def handling(port: int, pids: int) -> Handling:
    """reception_update_handling_seconds of every worker, summed."""
    count = seconds = 0.0
    buckets: dict[float, float] = {}
    for body in (await _per_worker(port, "/metrics", tries=pids * 30)).values():
        for family in text_string_to_metric_families(body):
            if family.name != "reception_update_handling_seconds":
                continue
            for sample in family.samples:
                if sample.name.endswith("_count"):
                    count += sample.value
                elif sample.name.endswith("_sum"):
                    seconds += sample.value
                elif sample.name.endswith("_bucket"):
                    bound = float(sample.labels["le"])
                    buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return Handling(count, seconds, tuple(sorted(buckets.items())))


class PgSessions:
    """pg_stat_activity of the bench database every 100 ms: the client sessions by state and
    by what they wait for (none: on the CPU or its way to it)."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        self.samples = 0
        self.states: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._engine.dispose()

    async def _run(self) -> None:
        query = text(
            "SELECT state, wait_event_type, count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' AND state <> 'idle' "
            "AND query NOT LIKE 'LISTEN%' GROUP BY 1, 2"
        )
        async with self._engine.connect() as connection:
            while True:
                rows = (await connection.execute(query)).all()
                await connection.rollback()
                self.samples += 1
                for state, wait, count in rows:
                    label = state if state != "active" else f"active/{wait or 'CPU'}"
                    self.states[label] += count
                await asyncio.sleep(0.1)

    def summary(self) -> str:
        if not self.samples:
            return "-"
        parts = [
            f"{label} {count / self.samples:.2f}" for label, count in self.states.most_common(5)
        ]
        return ", ".join(parts) or "idle"


# -- one run -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    label: str
    round: int
    updates: int
    seconds: float
    p50: float
    p95: float
    p99: float
    done_p99: float
    late: int  # steps whose reply came after the HTTP answer (the outbox's)
    late_p99: float
    errors: int
    cpu: float
    bench_cpu: float
    load: tuple[float, float, float]
    handling_mean: float
    handling_p99: float
    pg: str
    error_kinds: str
    people: str

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        only = values[0] if values else float("nan")
        return only, only, only
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


async def prepare(settings: Settings, accounts: int) -> None:
    """An empty database, migrated, with `accounts` accounts in the registry."""
    await reset_database(settings.database.url)
    await prepare_database(settings)
    engine = create_engine(settings.database.url)
    try:
        clock = SystemClock()
        uow = UnitOfWork(create_sessionmaker(engine), clock=clock)
        async with uow:
            await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
                registry_csv(accounts), now=clock.now()
            )
            await uow.commit()
    finally:
        await engine.dispose()


async def clear_redis(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def run_once(
    args: argparse.Namespace,
    texts: Texts,
    *,
    label: str,
    round_number: int,
    database_url: str,
    redis_url: str | None,
    count: int,
    think: float,
    folder: Path,
) -> Result:
    key = os.environ.get("PD_ENCRYPTION_KEY") or new_key()
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        pd_encryption_key=key,
        content_dir=ROOT / "content",
        redis_url=None,
    )
    # New people for 40 a second (a person is about 20 steps), the seats' first ones more.
    accounts = args.users + int(40 * (args.warmup + args.seconds))
    began = time.perf_counter()
    await prepare(settings, accounts)
    prepared = time.perf_counter()
    content = load_content(ROOT / "content")
    scripts = Scripts(
        texts=texts,
        sections=[s.id for s in content.all_sections()],
        search=content.get("readings").keywords[0],
        accounts=accounts,
    )
    traffic = Traffic()
    api = FakeBotApi(traffic)
    api_url = await api.start()
    prefix = f"bench-load-{uuid.uuid4().hex[:12]}"
    port = _free_port()
    env = worker_env(
        api_url=api_url, database_url=database_url, redis_url=redis_url, prefix=prefix, key=key
    )
    pg = None if is_sqlite(database_url) else PgSessions(database_url)
    log = _log_path(folder, label, round_number)
    try:
        profile = None
        if args.profile and count == 1:
            args.profile.mkdir(parents=True, exist_ok=True)
            profile = args.profile / f"{log.stem}.prof"
        async with workers(count, env, port, log, profile) as process:
            up = time.perf_counter()
            connector = aiohttp.TCPConnector(limit=0, force_close=False)
            async with aiohttp.ClientSession(connector=connector) as http:
                stop = asyncio.Event()
                url = f"http://127.0.0.1:{port}/webhook"
                seats = [
                    asyncio.create_task(
                        drive(http, url, api, scripts, stop, think=think, seed=seat)
                    )
                    for seat in range(args.users)
                ]
                await asyncio.sleep(args.warmup)
                before = await handling(port, count)
                cpu_before, bench_before = cpu_seconds(process.pid), time.process_time()
                measured_from = time.perf_counter()
                if pg is not None:
                    pg.start()
                await asyncio.sleep(args.seconds)
                measured_to = time.perf_counter()
                cpu = cpu_seconds(process.pid) - cpu_before
                bench_cpu = time.process_time() - bench_before
                load = os.getloadavg()
                if pg is not None:
                    await pg.stop()
                after = await handling(port, count)
                stop.set()
                await asyncio.gather(*seats)
        stopped = time.perf_counter()
    finally:
        await api.close()
        if redis_url:
            await clear_redis(redis_url, prefix)
    print(
        f"  {label}: database ready in {prepared - began:.1f} s, workers up in "
        f"{up - prepared:.1f} s, stopped in {stopped - measured_to:.1f} s",
        file=sys.stderr,
    )
    window = [s for s in traffic.samples if measured_from <= s.started < measured_to]
    replies = [s.reply * 1e3 for s in window if s.ok and s.reply is not None]
    p50, p95, p99 = _quantiles(replies)
    late = [s.reply * 1e3 for s in window if s.ok and s.reply is not None and s.reply > s.done]
    handled = after.minus(before)
    return Result(
        label=label,
        round=round_number,
        updates=sum(1 for s in window if s.ok),
        seconds=measured_to - measured_from,
        p50=p50,
        p95=p95,
        p99=p99,
        done_p99=_quantiles([s.done * 1e3 for s in window if s.ok])[2],
        late=len(late),
        late_p99=_quantiles(late)[2],
        errors=sum(1 for s in window if not s.ok)
        + sum(n for kind, n in traffic.errors.items() if kind.startswith("no button")),
        cpu=cpu,
        bench_cpu=bench_cpu,
        load=load,
        handling_mean=handled.seconds / handled.count * 1e3 if handled.count else float("nan"),
        handling_p99=handled.quantile(0.99) * 1e3,
        pg=pg.summary() if pg is not None else "-",
        error_kinds=", ".join(f"{k} {n}" for k, n in traffic.errors.most_common()) or "-",
        people=f"{traffic.people_done} dialogs finished ({scripts.recycled} return visits of "
        f"people linked earlier), {len(traffic.samples)} steps in all",
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the table -----------------------------------------------------------------------------

HEADER = (
    "| configuration | round | updates/s | reply p50 | p95 | p99 | done p99 | errors "
    "| replies after the answer (p99) | workers' CPU"
    " | bench CPU | handling mean / p99 bucket | load average | PostgreSQL sessions |"
)


def row(result: Result) -> str:
    load = " ".join(f"{x:.1f}" for x in result.load)
    return (
        f"| {result.label} | {result.round} | {result.rate:.0f} | {result.p50:.1f} ms "
        f"| {result.p95:.1f} ms | {result.p99:.1f} ms | {result.done_p99:.1f} ms "
        f"| {result.errors} | {result.late} ({result.late_p99:.0f} ms) "
        f"| {result.cpu / result.seconds:.2f} cores "
        f"({result.cpu / max(result.updates, 1) * 1e3:.2f} ms/upd) "
        f"| {result.bench_cpu / result.seconds:.2f} cores "
        f"| {result.handling_mean:.1f} ms / ≤{result.handling_p99:.0f} ms | {load} "
        f"| {result.pg} |"
    )


def configurations(args: argparse.Namespace) -> list[tuple[str, str, str | None, int]]:
    """(label, database URL, Redis URL, workers) in the order of a round."""
    runs: list[tuple[str, str, str | None, int]] = []
    sqlite_url = f"sqlite+aiosqlite:///{args.folder}/load.db"
    if not args.database_url or args.sqlite:
        runs.append(("SQLite, 1 worker", sqlite_url, None, 1))
    if args.database_url:
        database = "PostgreSQL+Redis" if args.redis_url else "PostgreSQL"
        for count in args.workers:
            runs.append(
                (f"{database}, {count} worker(s)", args.database_url, args.redis_url, count)
            )
    return runs


def _log_path(folder: Path, label: str, round_number: int) -> Path:
    return folder / f"workers-{label.replace(' ', '-')}-{round_number}.log"


def _check_database(url: str) -> None:
    name = make_url(url).database or ""
    if not is_sqlite(url) and not name.startswith("test"):
        raise SystemExit(f"bench/load.py empties its database: {name!r} does not start with test")


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--users", type=int, default=200, help="people in a dialog at a time")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured time of a run")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds left out first")
    parser.add_argument(
        "--workers",
        type=lambda value: [int(n) for n in value.split(",")],
        default=[1, 2, 4],
        help="worker counts on PostgreSQL, e.g. 1,2,4",
    )
    parser.add_argument(
        "--think",
        type=lambda value: [float(n) for n in value.split(",")],
        default=[0.0],
        help="seconds a person takes before the next step, on average; e.g. 0,2",
    )
    parser.add_argument("--rounds", type=int, default=2, help="runs of every configuration")
    parser.add_argument("--database-url", default="", help="PostgreSQL (emptied!)")
    parser.add_argument("--redis-url", default="", help="Redis for several workers")
    parser.add_argument(
        "--sqlite", action="store_true", help="with --database-url: SQLite, 1 worker as well"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="a folder: one-worker runs go under cProfile, a .prof file each (pstats)",
    )
    args = parser.parse_args(argv)
    if args.database_url:
        _check_database(args.database_url)
        if not args.redis_url and max(args.workers) > 1:
            parser.error("several workers need --redis-url")
    texts = Texts.load()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        args.folder = folder
        runs = configurations(args)
        print(
            f"{args.users} people, {args.seconds:.0f} s measured after {args.warmup:.0f} s, "
            f"{args.rounds} round(s); {os.cpu_count()} CPUs, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}",
            flush=True,
        )
        print(HEADER)
        print("|" + "---|" * HEADER.count(" | ") + "---|")
        for round_number, think, (label, url, redis_url, count) in itertools.product(
            range(1, args.rounds + 1), args.think, runs
        ):
            result = await run_once(
                args,
                texts,
                label=f"{label}, think {think:g} s",
                round_number=round_number,
                database_url=url,
                redis_url=redis_url or None,
                count=count,
                think=think,
                folder=Path(folder),
            )
            results.append(result)
            print(row(result), flush=True)
            print(f"  {result.people}", file=sys.stderr, flush=True)
            if result.errors:
                print(f"  errors: {result.error_kinds}", flush=True)
                print(
                    _tail(_log_path(Path(folder), result.label, round_number), 60), file=sys.stderr
                )
    print(f"goal: reply p99 ≤ {GOAL_P99_MS:.0f} ms with {args.users} people")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
