"""Linking an account: its number, then the holder's surname or a meter serial."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.fsm.state import State

from dialogs.account.states import LinkAccount, LinkAccountState
from dialogs.steps import Step, StepTable, Turn
from handlers.keyboards import dialog_nav


async def _ask_number(turn: Turn, data: LinkAccountState) -> None:
    await turn.say(turn.texts.get("link-ask-number"), dialog_nav(turn.texts))


async def _ask_factor(turn: Turn, data: LinkAccountState) -> None:
    if not data.number:
        # Dialog data lost (e.g. erased by consent withdrawal elsewhere): ask again.
        await TABLE.ask(turn, LinkAccount.number, data)
        return
    await turn.say(turn.texts.get("link-ask-factor", number=data.number), dialog_nav(turn.texts))


def _order(data: LinkAccountState) -> Sequence[State]:
    return (LinkAccount.number, LinkAccount.second_factor)


TABLE = StepTable(
    model=LinkAccountState,
    steps=[Step(LinkAccount.number, _ask_number), Step(LinkAccount.second_factor, _ask_factor)],
    order=_order,
)
