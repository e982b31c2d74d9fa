"""A nightly registry import while people use the bot: is every press still answered at once?

A SQLite database in a temporary folder; `--people` people have consented and linked their
account through the bot (built with `build_app`, as bench/throughput.py does). Then
`reception import accounts` of a generated CSV of `--rows` rows runs as a process of its
own against the same database, while in this process the bot handles, every `--interval`
seconds, the next press of one of the people (open loop: a press does not wait for the one
before): the consent button (it writes), /mydata, /readings, /cancel. Each press is timed from
`feed_update` to its return (the answer has been sent); a press that ended in the apology or
logged an error counts as failed. The CSV adds a second meter to every person's account, so
the end also shows whether the running bot sees what the import wrote (issue 11, point 6).

    python bench/import_while_serving.py                  # 300 000 rows
    python bench/import_while_serving.py --rows 50000     # shorter
    python bench/import_while_serving.py --database-url postgresql+asyncpg://postgres@127.0.0.1/x
                                                          # (emptied first)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, Update, User

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.factory import build_app, build_bot  # noqa: E402
from bot.local_api import LocalApiSession  # noqa: E402
from bot.settings import Settings  # noqa: E402
from core.texts import Texts  # noqa: E402
from dialogs.account.router import AccountAction  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from handlers.start import ConsentChoice  # noqa: E402
from services.account_import import AccountImportService  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from storage.engine import create_engine  # noqa: E402
from storage.migrate import drop_everything  # noqa: E402
from storage.repositories import SqlAccountRegistry  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TOKEN = "1000001:bench"
HEADER = (
    "account,full_name,settlement,street,house,flat,phone,email,category,"
    "meter_serial,meter_digits,meter_zones"
)
FIRST_ACCOUNT = 7_000_000_000
_ids = itertools.count(int(time.time() * 1000))


class RecordingApi(LocalApiSession):
    """The in-process Bot API, remembering the texts sent to each chat."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: dict[int, list[str]] = {}

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        if isinstance(method, SendMessage):
            self.sent.setdefault(int(method.chat_id), []).append(method.text)
        return await super().make_request(bot, method, timeout)


class ErrorCounter(logging.Handler):
    """Errors logged, and the updates whose handling failed (handlers/errors.py logs the
    update id as the first argument)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0
        self.failed_updates: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], int):
            self.failed_updates.add(record.args[0])


def _message(user: User, text: str) -> Update:
    entities = None
    if text.startswith("/"):
        entities = [MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))]
    return Update(
        update_id=next(_ids),
        message=Message(
            message_id=next(_ids) % 1_000_000,
            date=datetime.now(UTC),
            chat=Chat(id=user.id, type="private"),
            from_user=user,
            text=text,
            entities=entities,
        ),
    )


def _callback(user: User, data: str) -> Update:
    return Update(
        update_id=next(_ids),
        callback_query=CallbackQuery(
            id=str(next(_ids)),
            from_user=user,
            chat_instance="bench",
            message=Message(
                message_id=next(_ids) % 1_000_000,
                date=datetime.now(UTC),
                chat=Chat(id=user.id, type="private"),
                text="-",
            ),
            data=data,
        ),
    )


def _row(number: int, serial: str) -> str:
    return (
        f"{number},Surname{number} Name,Town,Street,{number % 300 + 1},,,,household,{serial},6,2"
    )


def people_registry(people: int) -> bytes:
    """The people's accounts before the nightly import: one meter each."""
    rows = [_row(FIRST_ACCOUNT + i, f"A{i}") for i in range(people)]
    return "\n".join([HEADER, *rows]).encode()


def nightly_registry(rows: int, people: int) -> bytes:
    """`rows` rows: the people's accounts with a second meter, then other accounts."""
    lines = [HEADER]
    for i in range(people):
        lines += [_row(FIRST_ACCOUNT + i, f"A{i}"), _row(FIRST_ACCOUNT + i, f"B{i}")]
    lines += [_row(FIRST_ACCOUNT + i, f"A{i}") for i in range(people, rows - people)]
    return "\n".join(lines).encode()


def presses(user: User, texts: Texts) -> list[Update]:
    return [
        _callback(user, ConsentChoice(action="accept").pack()),
        _message(user, "/mydata"),
        _message(user, "/readings"),
        _message(user, "/cancel"),
    ]


async def reset_database(url: str) -> None:
    engine = create_engine(url)
    await drop_everything(engine)
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between presses")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    args = parser.parse_args()

    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    logging.getLogger().setLevel(logging.WARNING)
    texts = Texts.load()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        if args.database_url:
            await reset_database(url)
        settings = Settings(
            # PostgreSQL needs a key for the ПП 55 identity data (storage/crypto.py).
            pd_encryption_key=os.environ.get("PD_ENCRYPTION_KEY") or new_key(),
            _env_file=None,
            database_url=url,
            content_dir=ROOT / "content",
            redis_url=None,
        )
        app = await build_app(settings, clock=SystemClock(), texts=texts)
        api = RecordingApi()
        bot = build_bot(settings, session=api, token=TOKEN)
        users = [
            User(id=6_000_000 + i, is_bot=False, first_name="Bench") for i in range(args.people)
        ]
        try:
            uow = UnitOfWork(app.sessionmaker, clock=app.clock)
            await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
                people_registry(args.people), now=app.clock.now()
            )
            await uow.commit()
            for index, user in enumerate(users):
                for update in [
                    _message(user, "/start"),
                    _callback(user, ConsentChoice(action="accept").pack()),
                    _message(user, texts.get("menu-accounts")),
                    _callback(user, AccountAction(action="link").pack()),
                    _message(user, str(FIRST_ACCOUNT + index)),
                    _message(user, f"Surname{FIRST_ACCOUNT + index}"),
                ]:
                    await app.dispatcher.feed_update(bot, update)
            errors.count = 0
            csv_path = Path(folder) / "registry.csv"
            csv_path.write_bytes(nightly_registry(args.rows, args.people))

            env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
            env.pop("BOT_TOKEN", None)
            started = time.perf_counter()
            importer = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                "from bot.cli import main; main()",
                "import",
                "accounts",
                str(csv_path),
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            finished = asyncio.create_task(importer.communicate())
            latencies: list[float] = []
            failed = 0
            in_flight: set[asyncio.Task[None]] = set()

            async def press(update: Update) -> None:
                nonlocal failed
                begun = time.perf_counter()
                try:
                    await app.dispatcher.feed_update(bot, update)
                except Exception:  # counted; the bench goes on
                    failed += 1
                else:
                    failed += update.update_id in errors.failed_updates
                latencies.append(time.perf_counter() - begun)

            scripts = [itertools.cycle(range(4)) for _ in users]
            for tick in itertools.count():
                if finished.done():
                    break
                index = tick % len(users)
                step = next(scripts[index])
                task = asyncio.create_task(press(presses(users[index], texts)[step]))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                await asyncio.sleep(args.interval)
            import_seconds = time.perf_counter() - started
            await asyncio.gather(*in_flight)
            stdout, stderr = finished.result()
            apologies = sum(
                text == texts.get("error-apology") for sent in api.sent.values() for text in sent
            )

            # Does the running bot now show the meter the import added? /readings asks for a
            # choice between the two meters only if it does.
            probe = users[0]
            await app.dispatcher.feed_update(bot, _message(probe, "/cancel"))
            await app.dispatcher.feed_update(bot, _message(probe, "/readings"))
            seen = texts.get("reading-ask-meter") in api.sent[probe.id][-1]
        finally:
            await bot.session.close()
            await app.close()

    ordered = sorted(latencies)
    summary = stdout.decode().strip().splitlines()
    database = url.split(":", 1)[0]
    print(
        f"{database}: import of {args.rows} rows: {import_seconds:.1f} s, "
        f"exit code {importer.returncode}"
    )
    for line in summary[-2:]:
        print(f"  {line}")
    if importer.returncode != 0:
        print(stderr.decode()[-2000:])
    print(
        f"presses: {len(ordered)} (every {args.interval * 1000:.0f} ms, {args.people} people), "
        f"failed: {failed} (apologies sent: {apologies}, errors logged: {errors.count})"
    )
    if ordered:
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(
            f"latency: p50 {statistics.median(ordered) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms, "
            f"over 1 s: {sum(1 for x in ordered if x > 1)}"
        )
    print(f"after the import the bot shows the added meter: {'yes' if seen else 'no'}")


if __name__ == "__main__":
    asyncio.run(main())
