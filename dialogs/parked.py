"""A dialog left in the middle is kept, not thrown away (issue 15).

/menu, or the menu button of a dialog pressed while another (or the same) dialog is under way,
used to drop what the person had entered without a word. Now the dialog is parked first: its
step and data are copied to a slot of their own in the dialog-state storage (the same
database table, `destiny` "parked-<dialog>", one slot per dialog), and the person is offered
«▶️ Продолжить обращение» (or the readings, the booking, the account link): the button
puts the parked dialog back and asks its step again; a dialog under way at that moment is
parked in turn. A dialog still at its first step (nothing answered) is not parked. /cancel
still drops the dialog: it is asked for by name."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from dialogs.account import steps as account_steps
from dialogs.appeal import steps as appeal_steps
from dialogs.booking import steps as booking_steps
from dialogs.readings import steps as readings_steps
from dialogs.steps import StepTable, Turn
from handlers.keyboards import inline_column

# The dialogs that may be parked, by the name their texts and slots use.
TABLES: dict[str, StepTable[Any]] = {
    "appeal": appeal_steps.TABLE,
    "readings": readings_steps.TABLE,
    "booking": booking_steps.TABLE,
    "account": account_steps.TABLE,
}
_DESTINY = "parked-"


class ResumeParked(CallbackData, prefix="parked"):
    dialog: str


def _slot(fsm: FSMContext, name: str) -> FSMContext:
    key: StorageKey = dataclasses.replace(fsm.key, destiny=f"{_DESTINY}{name}")
    return FSMContext(storage=fsm.storage, key=key)


def dialog_of(state: str | None) -> str | None:
    """The parkable dialog a state belongs to, or None."""
    if state is None:
        return None
    return next((name for name, table in TABLES.items() if table.state_of(state)), None)


async def park(fsm: FSMContext) -> str | None:
    """Copies the dialog under way (if one with input) to its parked slot; the caller then
    replaces or clears it. The dialog's name, or None when nothing was parked."""
    current = await fsm.get_state()
    name = dialog_of(current)
    if name is None:
        return None
    table = TABLES[name]
    data = await fsm.get_data()
    if table.state_of(current) == table.order(table.model.model_validate(data))[0]:
        return None  # at the first step: nothing answered yet
    slot = _slot(fsm, name)
    await slot.set_state(current)
    await slot.set_data(data)
    return name


async def parked(fsm: FSMContext) -> list[str]:
    """The dialogs this person has parked, in the order of TABLES."""
    return [name for name in TABLES if await _slot(fsm, name).get_state() is not None]


def offer_markup(texts: Texts, names: list[str]) -> InlineKeyboardMarkup:
    return inline_column(
        (texts.get(f"parked-resume-{name}"), ResumeParked(dialog=name)) for name in names
    )


async def offer(
    message: Message, fsm: FSMContext, texts: Texts, *, only: str | None = None
) -> None:
    """«Черновик сохранён» with a «Продолжить …» button per parked dialog (or just `only`)."""
    names = [name for name in await parked(fsm) if only is None or name == only]
    if names:
        await message.answer(texts.get("parked-kept"), reply_markup=offer_markup(texts, names))


async def park_before_start(message: Message, fsm: FSMContext, texts: Texts, name: str) -> None:
    """At a dialog's entry: the dialog under way is parked (it is about to be replaced), and
    a parked draft of the dialog being started is offered alongside the fresh start."""
    await park(fsm)
    await offer(message, fsm, texts, only=name)


async def on_resume(
    query: CallbackQuery,
    callback_data: ResumeParked,
    state: FSMContext,
    services: Services,
    texts: Texts,
    config: AppConfig,
) -> None:
    message = query.message
    name = callback_data.dialog
    table = TABLES.get(name)
    slot = _slot(state, name) if table is not None else None
    saved = await slot.get_state() if slot is not None else None
    if not isinstance(message, Message) or table is None or slot is None or saved is None:
        await query.answer(texts.get("resume-nothing"), show_alert=True)
        return
    await query.answer()
    data = await slot.get_data()
    await slot.clear()
    await park(state)  # a dialog under way now is kept in turn
    await state.set_state(saved)
    await state.set_data(data)
    await table.ask_current(Turn(message, state, services, texts, config))


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_resume, ResumeParked.filter())
    return router
