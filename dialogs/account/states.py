from aiogram.fsm.state import State, StatesGroup


class LinkAccount(StatesGroup):
    number = State()
    second_factor = State()
