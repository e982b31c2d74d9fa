"""Updates per second: a bare aiogram echo bot vs the bot's own stack, in one process.

Both get the same synthetic updates through `Dispatcher.feed_update`, with the network
replaced by the same in-process Bot API (bot/local_api.py). The bot's stack runs with
everything it has in production: the unit-of-work and de-duplication middleware, dialog
state persisted in the database, commit-before-send, the real handlers and content.

Workloads (per simulated person): "first" — /start, consent and the whole account-linking
dialog, where every update writes; "return" — menu presses, reference pages, a keyword
search, /help, /mydata by people linked earlier; "mixed" — a first visit then a return
visit.

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
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, Update, User
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.factory import build_app, build_bot  # noqa: E402
from bot.local_api import LocalApiSession  # noqa: E402
from bot.middlewares import FreshCachesMiddleware  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.texts import Texts  # noqa: E402
from dialogs.account.router import AccountAction  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from handlers.info import InfoOpen  # noqa: E402
from handlers.start import ConsentChoice  # noqa: E402
from services.account_import import AccountImportService  # noqa: E402
from storage.models import Base  # noqa: E402
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


def _callback(user: User, data: str) -> Update:
    bot_message = Message(
        message_id=next(_ids) % 1_000_000,
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


def first_visit(user: User, index: int, texts: Texts) -> list[Update]:
    """Onboarding: /start, consent, and the whole account-linking dialog (all of it writes)."""
    return [
        _message(user, "/start"),
        _callback(user, ConsentChoice(action="accept").pack()),
        _message(user, texts.get("menu-accounts")),
        _callback(user, AccountAction(action="link").pack()),
        _message(user, f"{9_000_000_000 + index}"),
        _message(user, f"Surname{index}"),
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


def workload(
    people: int, texts: Texts, sections: list[str], search: str, *, mix: str = "mixed"
) -> list[list[Update]]:
    """One list of updates per person, in the order a person would send them.

    mixed: a first visit then a return visit (half the updates write);
    first: first visits only; return: return visits only (people already linked)."""
    scripts = []
    for index in range(people):
        user = User(id=5_000_000 + index, is_bot=False, first_name="Bench")
        script: list[Update] = []
        if mix in {"mixed", "first"}:
            script += first_visit(user, index, texts)
        if mix in {"mixed", "return"}:
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
    dispatcher: Dispatcher, bot: Bot, scripts: list[list[Update]], concurrency: int
) -> float:
    """Feed every person's script; `concurrency` people at a time, each in order."""
    gc.collect()
    started = time.perf_counter()
    if concurrency <= 1:
        for script in scripts:
            for update in script:
                await dispatcher.feed_update(bot, update)
    else:
        queue = iter(scripts)

        async def worker() -> None:
            for script in queue:
                for update in script:
                    await dispatcher.feed_update(bot, update)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def run_round(
    settings: Settings,
    texts: Texts,
    *,
    people: int,
    mix: str,
    concurrency: int,
    fresh_check: bool = True,
) -> tuple[float, float]:
    """(bare echo updates/s, bot stack updates/s) for one mix on a fresh database."""
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
        stack_bot = build_bot(settings, session=LocalApiSession(), token=TOKEN)
        if mix == "return":
            # Returning people were onboarded earlier (not timed).
            await feed_all(
                app.dispatcher,
                stack_bot,
                workload(people, texts, sections, search, mix="first"),
                1,
            )
        echo = echo_dispatcher()
        echo_bot = Bot(TOKEN, session=LocalApiSession())
        # Interleaved in slices, so that a noisy neighbour on the machine hits both alike;
        # each slice's updates are built just before it runs, so the heap (and with it the
        # cost of every garbage collection) stays the size of a running bot's.
        echo_seconds = stack_seconds = 0.0
        total = 0
        for start in range(0, people, SLICE):
            part = slice(start, start + SLICE)
            echo_scripts = workload(people, texts, sections, search, mix=mix)[part]
            total += sum(len(s) for s in echo_scripts)
            echo_seconds += await feed_all(echo, echo_bot, echo_scripts, concurrency)
            # Fresh update ids for the stack: it de-duplicates them.
            stack_scripts = workload(people, texts, sections, search, mix=mix)[part]
            stack_seconds += await feed_all(app.dispatcher, stack_bot, stack_scripts, concurrency)
        return total / echo_seconds, total / stack_seconds
    finally:
        await app.close()


async def reset_database(url: str) -> None:
    from storage.engine import create_engine

    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mix", choices=["mixed", "first", "return", "all"], default="all")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--no-fresh-check",
        action="store_true",
        help="leave out the check for other processes' writes (only to measure its cost)",
    )
    args = parser.parse_args()

    texts = Texts.load()
    mixes = ["first", "return", "mixed"] if args.mix == "all" else [args.mix]
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        settings = Settings(
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
            "mix: first = /start, consent, account linking (writes); "
            "return = menu, pages, search, /help, /mydata; mixed = first + return"
        )
        summary = []
        for mix in mixes:
            rounds = []
            for round_number in range(1, args.rounds + 1):
                echo_rate, stack_rate = await run_round(
                    settings,
                    texts,
                    people=args.people,
                    mix=mix,
                    concurrency=args.concurrency,
                    fresh_check=not args.no_fresh_check,
                )
                rounds.append((stack_rate / echo_rate, echo_rate, stack_rate))
                print(
                    f"  {mix:6s} round {round_number}: bare echo {echo_rate:7.0f} upd/s, "
                    f"bot stack {stack_rate:7.0f} upd/s, ratio {stack_rate / echo_rate:.2f}x"
                )
            summary.append((mix, statistics.median_low(rounds)))
        print("median round (target: bot stack >= 0.35x the bare echo):")
        for mix, (ratio, echo_rate, stack_rate) in summary:
            print(
                f"  {mix:6s}: bare echo {echo_rate:7.0f} upd/s, bot stack {stack_rate:7.0f} "
                f"upd/s, ratio {ratio:.2f}x"
            )


if __name__ == "__main__":
    asyncio.run(main())
