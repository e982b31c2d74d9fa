"""Updates per second: a bare aiogram echo bot vs the bot's own stack, in one process.

Both get the same synthetic updates through `Dispatcher.feed_update`, with the network
replaced by the same in-process Bot API (bot/local_api.py). The bot's stack runs with
everything it has in production: the unit-of-work and de-duplication middleware, dialog
state persisted in the database, commit-before-send, the real handlers and content.

Workloads (per simulated person): "first" — /start, consent and the whole account-linking
dialog, where every update writes; "file" — the core write path: a person linked earlier
files an appeal through the whole dialog (kind, subject, text, attachments done, name,
address skipped, channel, category, submit: every step stored, the submit registers the
appeal and queues its confirmation in the outbox); "return" — menu presses, reference
pages, a keyword search, /help, /mydata by people linked earlier; "mixed" — a first visit,
then every second person files an appeal, then a return visit; "mixed-no-filing" — the
mix before filing was part of it (a first visit then a return visit).

Buttons are pressed the way a person presses them: by their text (from the locale files),
looked up in the keyboard of the last message the bot sent to that chat. So the bench does
not depend on how a dialog packs its callback data.

    python bench/throughput.py                      # SQLite file in a temp folder
    python bench/throughput.py --people 500 --concurrency 50 --mix mixed
    python bench/throughput.py --database-url postgresql+asyncpg://postgres@127.0.0.1/test
    python bench/throughput.py --mix mixed --no-fresh-check   # what the per-update check of
                                  # other processes' writes costs (storage/freshness.py)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.factory import build_app, build_bot  # noqa: E402
from bot.local_api import LocalApiSession  # noqa: E402
from bot.middlewares import FreshCachesMiddleware  # noqa: E402
from bot.settings import Settings  # noqa: E402
from core.texts import Texts  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from handlers.info import InfoOpen  # noqa: E402
from services.account_import import AccountImportService  # noqa: E402
from storage.crypto import new_key  # noqa: E402
from storage.repositories import SqlAccountRegistry  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TOKEN = "1000001:bench"
SLICE = 25  # people per interleaved slice
HEADER = (
    "account,full_name,settlement,street,house,flat,phone,email,category,"
    "meter_serial,meter_digits,meter_zones"
)
_ids = itertools.count(int(time.time() * 1000))


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


def _callback(user: User, data: str, message_id: int | None = None) -> Update:
    bot_message = Message(
        message_id=message_id or next(_ids) % 1_000_000,
        date=datetime.now(UTC),
        chat=Chat(id=user.id, type="private"),
        text="-",
    )
    return Update(
        update_id=next(_ids),
        callback_query=CallbackQuery(
            id=str(next(_ids)),
            from_user=user,
            chat_instance="bench",
            message=bot_message,
            data=data,
        ),
    )


@dataclass(frozen=True, slots=True)
class Press:
    """A press of the button labelled `label` under the last message the bot sent to the
    person: resolved into a callback update when it is fed (see `Keyboards`)."""

    user: User
    label: str


Step = Update | Press


class Keyboards(LocalApiSession):
    """The in-process Bot API, remembering the inline keyboard of the last message sent to
    each chat, so that a `Press` finds its button's callback data as a person's client
    would."""

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[int, tuple[int, InlineKeyboardMarkup]] = {}

    def respond(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        result = super().respond(bot, method)
        if isinstance(method, SendMessage) and isinstance(result, Message):
            markup = result.reply_markup
            if markup is not None:
                self._last[result.chat.id] = (result.message_id, markup)
        return result

    def press(self, step: Press) -> Update:
        message_id, markup = self._last.get(
            step.user.id, (0, InlineKeyboardMarkup(inline_keyboard=[]))
        )
        for row in markup.inline_keyboard:
            for button in row:
                if button.text == step.label and button.callback_data is not None:
                    return _callback(step.user, button.callback_data, message_id)
        raise AssertionError(f"no button {step.label!r} in the last keyboard sent to the chat")


def _echo_press(step: Press) -> Update:
    """The bare echo bot's press: the same kind of update, whatever its data."""
    return _callback(step.user, step.label[:64])


def first_visit(user: User, index: int, texts: Texts) -> list[Step]:
    """Onboarding: /start, consent, and the whole account-linking dialog (all of it writes)."""
    return [
        _message(user, "/start"),
        Press(user, texts.get("consent-accept")),
        _message(user, texts.get("menu-accounts")),
        Press(user, texts.get("accounts-link-button")),
        _message(user, f"{9_000_000_000 + index}"),
        _message(user, f"Surname{index}"),
    ]


def filing(user: User, index: int, texts: Texts) -> list[Step]:
    """The core write path: a linked person files an appeal through every step of the dialog;
    every step is stored, the submit registers the appeal and queues its confirmation."""
    return [
        _message(user, texts.get("menu-appeal")),
        Press(user, texts.get("appeal-kind-information_request")),
        Press(user, texts.get("appeal-subject-metering")),
        _message(user, f"Please check the meter readings of account {9_000_000_000 + index}."),
        Press(user, texts.get("appeal-attachments-done")),
        _message(user, f"Surname{index} Name Patronymic"),
        Press(user, texts.get("appeal-skip")),
        Press(user, texts.get("appeal-channel-chat")),
        Press(user, texts.get("appeal-vulnerable-none")),
        Press(user, texts.get("appeal-summary-submit")),
    ]


def return_visit(
    user: User, index: int, texts: Texts, sections: list[str], search: str
) -> list[Update]:
    """A linked person back for information: menu presses, pages, a search, own data."""
    return [
        _message(user, texts.get("menu-info")),
        _callback(user, InfoOpen(section=sections[index % len(sections)]).pack()),
        _message(user, search),
        _callback(user, InfoOpen(section=sections[(index + 3) % len(sections)]).pack()),
        _message(user, "/help"),
        _message(user, "/mydata"),
    ]


FILING_SHARE = 2  # in the mixed workload, one person in this many files an appeal


def files_appeal(mix: str, index: int) -> bool:
    return mix == "file" or (mix == "mixed" and index % FILING_SHARE == 0)


def workload(
    people: int, texts: Texts, sections: list[str], search: str, *, mix: str = "mixed"
) -> list[list[Step]]:
    """One list of steps per person, in the order a person would send them.

    mixed: a first visit, an appeal filed by every second person, then a return visit;
    mixed-no-filing: a first visit then a return visit; first: first visits only; file:
    appeals only; return: return visits only (for file and return, people linked earlier)."""
    scripts = []
    for index in range(people):
        user = User(id=5_000_000 + index, is_bot=False, first_name="Bench")
        script: list[Step] = []
        if mix in {"mixed", "mixed-no-filing", "first"}:
            script += first_visit(user, index, texts)
        if files_appeal(mix, index):
            script += filing(user, index, texts)
        if mix in {"mixed", "mixed-no-filing", "return"}:
            script += return_visit(user, index, texts, sections, search)
        scripts.append(script)
    return scripts


def registry_csv(people: int) -> bytes:
    rows = [HEADER] + [
        f"{9_000_000_000 + i},Surname{i} Name Patronymic,Town,Street,{i % 200 + 1},,,,"
        f"household,SN{i},6,2"
        for i in range(people)
    ]
    return "\n".join(rows).encode()


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "-")

    @router.callback_query()
    async def on_button(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(query.data or "-")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def feed_all(
    dispatcher: Dispatcher,
    bot: Bot,
    scripts: list[list[Step]],
    concurrency: int,
    press: Callable[[Press], Update],
) -> tuple[float, float]:
    """Feed every person's script; `concurrency` people at a time, each in order. Returns
    the seconds it took and the CPU seconds of the process meanwhile."""
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    if concurrency <= 1:
        for script in scripts:
            for step in script:
                update = press(step) if isinstance(step, Press) else step
                await dispatcher.feed_update(bot, update)
    else:
        queue = iter(scripts)

        async def worker() -> None:
            for script in queue:
                for step in script:
                    update = press(step) if isinstance(step, Press) else step
                    await dispatcher.feed_update(bot, update)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, time.process_time() - cpu


async def run_round(
    settings: Settings,
    texts: Texts,
    *,
    people: int,
    mix: str,
    concurrency: int,
    fresh_check: bool = True,
) -> tuple[float, float, float, float]:
    """(bare echo updates/s, bot stack updates/s, and the CPU milliseconds per update of
    each: what the load of a shared machine disturbs less) for one mix on a fresh database."""
    await reset_database(settings.database.url)
    app = await build_app(settings, clock=SystemClock(), texts=texts)
    if not fresh_check:
        middlewares = app.dispatcher.update.outer_middleware._middlewares
        middlewares[:] = [m for m in middlewares if not isinstance(m, FreshCachesMiddleware)]
    try:
        uow = UnitOfWork(app.sessionmaker, clock=app.clock)
        await AccountImportService(registry=SqlAccountRegistry(uow)).import_registry(
            registry_csv(people), now=app.clock.now()
        )
        await uow.commit()
        sections = [s.id for s in app.content.all_sections()]
        search = app.content.get("readings").keywords[0]
        keyboards = Keyboards()
        stack_bot = build_bot(settings, session=keyboards, token=TOKEN)
        if mix in {"return", "file"}:
            # Returning people were onboarded earlier (not timed).
            await feed_all(
                app.dispatcher,
                stack_bot,
                workload(people, texts, sections, search, mix="first"),
                1,
                keyboards.press,
            )
        echo = echo_dispatcher()
        echo_bot = Bot(TOKEN, session=LocalApiSession())
        # Interleaved in slices, so that a noisy neighbour on the machine hits both alike;
        # each slice's updates are built just before it runs, so the heap (and with it the
        # cost of every garbage collection) stays the size of a running bot's.
        echo_seconds = stack_seconds = echo_cpu = stack_cpu = 0.0
        total = 0
        for start in range(0, people, SLICE):
            part = slice(start, start + SLICE)
            echo_scripts = workload(people, texts, sections, search, mix=mix)[part]
            total += sum(len(s) for s in echo_scripts)
            seconds, cpu = await feed_all(echo, echo_bot, echo_scripts, concurrency, _echo_press)
            echo_seconds += seconds
            echo_cpu += cpu
            # Fresh update ids for the stack: it de-duplicates them.
            stack_scripts = workload(people, texts, sections, search, mix=mix)[part]
            seconds, cpu = await feed_all(
                app.dispatcher, stack_bot, stack_scripts, concurrency, keyboards.press
            )
            stack_seconds += seconds
            stack_cpu += cpu
        await check_filed(app.sessionmaker, sum(files_appeal(mix, i) for i in range(people)))
        return (
            total / echo_seconds,
            total / stack_seconds,
            echo_cpu / total * 1e3,
            stack_cpu / total * 1e3,
        )
    finally:
        await app.close()


async def check_filed(sessionmaker: Any, expected: int) -> None:
    """The filing workload did file: one appeal, one queued confirmation per filer."""
    async with sessionmaker() as session:
        appeals = await session.scalar(text("SELECT count(*) FROM appeals"))
        queued = await session.scalar(
            text("SELECT count(*) FROM outbox WHERE dedup_key LIKE 'appeal-registered:%'")
        )
    if (appeals, queued) != (expected, expected):
        raise AssertionError(f"{expected} appeals expected, {appeals} filed, {queued} queued")


async def reset_database(url: str) -> None:
    from storage.engine import create_engine
    from storage.migrate import drop_everything

    engine = create_engine(url)
    await drop_everything(engine)
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--mix",
        choices=["mixed", "mixed-no-filing", "first", "file", "return", "all"],
        default="all",
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--no-fresh-check",
        action="store_true",
        help="leave out the check for other processes' writes (only to measure its cost)",
    )
    args = parser.parse_args()

    texts = Texts.load()
    mixes = (
        ["first", "file", "return", "mixed-no-filing", "mixed"]
        if args.mix == "all"
        else [args.mix]
    )
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        settings = Settings(
            # PostgreSQL needs a key for the ПП 55 identity data (storage/crypto.py).
            pd_encryption_key=os.environ.get("PD_ENCRYPTION_KEY") or new_key(),
            _env_file=None,
            database_url=url,
            content_dir=ROOT / "content",
            redis_url=None,
        )
        print(
            f"database: {make_url(url).get_backend_name()}, people: {args.people}, "
            f"concurrency: {args.concurrency}, rounds: {args.rounds}"
        )
        print(
            "mix: first = /start, consent, account linking (writes); file = an appeal filed "
            "through the whole dialog (writes); return = menu, pages, search, /help, /mydata; "
            "mixed = first + file (every second person) + return; mixed-no-filing = first + return"
        )
        summary = []
        for mix in mixes:
            rounds = []
            for round_number in range(1, args.rounds + 1):
                echo_rate, stack_rate, echo_cpu, stack_cpu = await run_round(
                    settings,
                    texts,
                    people=args.people,
                    mix=mix,
                    concurrency=args.concurrency,
                    fresh_check=not args.no_fresh_check,
                )
                rounds.append((stack_rate / echo_rate, echo_rate, stack_rate))
                print(
                    f"  {mix:15s} round {round_number}: bare echo {echo_rate:7.0f} upd/s, "
                    f"bot stack {stack_rate:7.0f} upd/s, ratio {stack_rate / echo_rate:.2f}x "
                    f"(CPU per update: echo {echo_cpu:.2f} ms, stack {stack_cpu:.2f} ms)"
                )
            summary.append((mix, statistics.median_low(rounds)))
        print("median round (target: bot stack >= 0.35x the bare echo):")
        for mix, (ratio, echo_rate, stack_rate) in summary:
            print(
                f"  {mix:15s}: bare echo {echo_rate:7.0f} upd/s, bot stack {stack_rate:7.0f} "
                f"upd/s, ratio {ratio:.2f}x"
            )


if __name__ == "__main__":
    asyncio.run(main())
