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
    # Register 4.9's fields (optional, from the summary's «Меры и договор»).
    measures_taken = State()
    measures_planned = State()
    contract = State()
