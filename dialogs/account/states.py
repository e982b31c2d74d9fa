from aiogram.fsm.state import State, StatesGroup

from dialogs.steps import DialogState


class LinkAccount(StatesGroup):
    number = State()
    second_factor = State()


class LinkAccountState(DialogState):
    number: str = ""  # the account number typed, awaiting its second factor
