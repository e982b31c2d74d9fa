from aiogram.fsm.state import State, StatesGroup


class SendReadings(StatesGroup):
    account = State()
    meter = State()
    value = State()  # the zone being asked is data["zone"]
    rollover = State()  # a lower value near the top of the counter: past zero?
    implausible = State()  # consumption far above the usual: is it right?
    photo = State()
    confirm = State()
