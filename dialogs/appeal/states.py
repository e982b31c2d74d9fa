from aiogram.fsm.state import State, StatesGroup


class FileAppeal(StatesGroup):
    kind = State()
    subject = State()
    pp55_time = State()
    pp55_device = State()
    pp55_contract = State()
    text = State()
    attachments = State()
    full_name = State()
    address = State()
    channel = State()
    contact = State()
    vulnerable = State()
    summary = State()


class AddInformation(StatesGroup):
    text = State()
