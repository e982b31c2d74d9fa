from aiogram.fsm.state import State, StatesGroup


class BookVisit(StatesGroup):
    topic = State()
    day = State()
    time = State()
    full_name = State()
    phone = State()
    confirm = State()


class MoveBooking(StatesGroup):
    day = State()
    time = State()
