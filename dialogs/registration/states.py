from aiogram.fsm.state import State, StatesGroup


class StaffRegister(StatesGroup):
    form = State()
    received = State()
    full_name = State()
    channel = State()
    contact = State()
    kind = State()
    subject = State()
    text = State()
    confirm = State()
