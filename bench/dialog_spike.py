"""Spike (issue 12 point 5): a 4-step text wizard built with aiogram_dialog against the same
wizard on our step table (dialogs/steps.py), updates per second.

Both run in one process, on one Dispatcher each but the same FSM storage: the bot's
database-backed storage (storage/fsm.py) on a SQLite file, with a unit of work per update
committed at its end, as the bot does. The network is the in-process Bot API
(bot/local_api.py). Each person sends the start command and four answers; the two wizards
are fed alternately in slices, so machine noise hits both alike. aiogram_dialog is not a
dependency of the bot: install it by hand to run this (`pip install aiogram-dialog`).

    python bench/dialog_spike.py --people 300 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from aiogram import BaseMiddleware, Bot, Dispatcher, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Chat, Message, MessageEntity, TelegramObject, Update, User
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.local_api import LocalApiSession  # noqa: E402
from dialogs.steps import DialogState, Step, StepTable, Turn  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from storage.engine import create_engine, create_sessionmaker  # noqa: E402
from storage.fsm import DatabaseStorage  # noqa: E402
from storage.models import Base  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TOKEN = "1000001:bench"
SLICE = 25
ANSWERS = ("Иванов Иван", "+79200000001", "Выкса", "Свет мигает по вечерам")
_ids = itertools.count(int(time.time() * 1000))
FINISHED: dict[str, int] = {}  # wizards finished, per variant: both must finish them all


class Wizard(StatesGroup):
    name = State()
    phone = State()
    city = State()
    comment = State()


# -- the step table ------------------------------------------------------------------------


class WizardState(DialogState):
    name: str = ""
    phone: str = ""
    city: str = ""
    comment: str = ""


def _question(text: str) -> Callable[[Turn, WizardState], Awaitable[None]]:
    async def ask(turn: Turn, data: WizardState) -> None:
        await turn.say(text)

    return ask


_ORDER = (Wizard.name, Wizard.phone, Wizard.city, Wizard.comment)
_FIELD = {
    Wizard.name: "name",
    Wizard.phone: "phone",
    Wizard.city: "city",
    Wizard.comment: "comment",
}
TABLE = StepTable(
    model=WizardState,
    steps=[Step(state, _question(f"Вопрос {i + 1}")) for i, state in enumerate(_ORDER)],
    order=lambda data: _ORDER,
)


def _turn(message: Message, state: FSMContext) -> Turn:
    return Turn(message, state, cast(Any, None), cast(Any, None), cast(Any, None))


def table_dispatcher(storage: DatabaseStorage) -> Dispatcher:
    dp = Dispatcher(storage=storage)
    dp.update.outer_middleware(UnitOfWorkMiddleware(storage))
    router = Router()

    async def start(message: Message, state: FSMContext) -> None:
        await TABLE.ask(_turn(message, state), Wizard.name, WizardState())

    async def answer(message: Message, state: FSMContext) -> None:
        turn = _turn(message, state)
        current = TABLE.state_of(await state.get_state())
        assert current is not None
        assert message.text is not None
        data = await TABLE.load(state)
        setattr(data, _FIELD[current], message.text)
        if current == Wizard.comment:
            await state.clear()
            FINISHED["step table"] = FINISHED.get("step table", 0) + 1
            await message.answer("Спасибо")
            return
        await TABLE.advance(turn, current, data)

    router.message.register(start, Command("wizard"))
    router.message.register(answer, StateFilter(*_ORDER), F.text)
    dp.include_router(router)
    return dp


# -- aiogram_dialog --------------------------------------------------------------------------


def dialog_dispatcher(storage: DatabaseStorage) -> Dispatcher:
    # Imported by name: aiogram_dialog is not a dependency (and so unknown to mypy in CI).
    lib = importlib.import_module("aiogram_dialog")
    widgets_input = importlib.import_module("aiogram_dialog.widgets.input")
    widgets_text = importlib.import_module("aiogram_dialog.widgets.text")

    async def on_answer(message: Message, widget: Any, manager: Any, text: str) -> None:
        manager.dialog_data[widget.widget_id] = text
        if widget.widget_id == "comment":
            FINISHED["aiogram_dialog"] = FINISHED.get("aiogram_dialog", 0) + 1
            await message.answer("Спасибо")
            await manager.done()
            return
        await manager.next()

    windows = [
        lib.Window(
            widgets_text.Const(f"Вопрос {i + 1}"),
            widgets_input.TextInput(id=_FIELD[state], on_success=on_answer),
            state=state,
        )
        for i, state in enumerate(_ORDER)
    ]
    dp = Dispatcher(storage=storage)
    dp.update.outer_middleware(UnitOfWorkMiddleware(storage))
    router = Router()

    async def start(message: Message, dialog_manager: Any) -> None:
        await dialog_manager.start(Wizard.name, mode=lib.StartMode.RESET_STACK)

    router.message.register(start, Command("wizard"))
    dp.include_routers(router, lib.Dialog(*windows))
    lib.setup_dialogs(dp)
    return dp


# -- common ------------------------------------------------------------------------------------


class UnitOfWorkMiddleware(BaseMiddleware):
    """One unit of work per update, committed at its end (what bot/middlewares.py does)."""

    def __init__(self, storage: DatabaseStorage) -> None:
        self._storage = storage

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        uow = UnitOfWork(self._storage._sessionmaker, clock=SystemClock())
        token = uow.bind()
        try:
            result = await handler(event, data)
            await uow.commit()
        except BaseException:
            await uow.rollback()
            raise
        finally:
            UnitOfWork.unbind(token)
        return result


def _message(user: User, text: str) -> Update:
    entities = None
    if text.startswith("/"):
        entities = [MessageEntity(type="bot_command", offset=0, length=len(text))]
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


def _updates(first_id: int, people: int) -> list[list[Update]]:
    users = [User(id=first_id + i, is_bot=False, first_name="P") for i in range(people)]
    return [[_message(u, "/wizard"), *(_message(u, a) for a in ANSWERS)] for u in users]


async def _feed(dp: Dispatcher, bot: Bot, people: Sequence[list[Update]]) -> float:
    started = time.perf_counter()
    for updates in people:
        for update in updates:
            await dp.feed_update(bot, update)
    return time.perf_counter() - started


async def main(people: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{folder}/spike.db")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        storage = DatabaseStorage(create_sessionmaker(engine), clock=SystemClock())
        await storage.warm_up()
        bot = Bot(TOKEN, session=LocalApiSession())
        variants = {
            "step table": table_dispatcher(storage),
            "aiogram_dialog": dialog_dispatcher(storage),
        }
        rates: dict[str, list[float]] = {name: [] for name in variants}
        for round_ in range(rounds):
            seconds = dict.fromkeys(variants, 0.0)
            batches = {
                name: _updates(10_000_000 * (i + 1) + round_ * 100_000, people)
                for i, name in enumerate(variants)
            }
            for start in range(0, people, SLICE):
                for name, dp in variants.items():
                    seconds[name] += await _feed(dp, bot, batches[name][start : start + SLICE])
            for name in variants:
                rates[name].append(people * (1 + len(ANSWERS)) / seconds[name])
        for name, values in rates.items():
            print(
                f"{name:15} {statistics.median(values):7.0f} upd/s "
                f"(rounds {min(values):.0f}-{max(values):.0f})"
            )
        async with engine.connect() as connection:
            left = await connection.execute(
                text("select state, count(*) from dialog_states group by state")
            )
            print("wizards finished:", FINISHED, "of", people * rounds, "each")
            print("stored dialog rows left:", [tuple(row) for row in left])
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.people, arguments.rounds))
