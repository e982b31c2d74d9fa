from datetime import date

from aiogram.fsm.state import State, StatesGroup

from dialogs.steps import DraftState
from domain.booking import BookingTopic


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


class BookingDialogState(DraftState):
    """What a person booking (or moving) a visit has chosen (the stored dialog data)."""

    topic: BookingTopic | None = None
    day: date | None = None  # the day whose times are shown
    slot: int | None = None  # the time chosen: seconds since the epoch, as its button says
    full_name: str = ""
    phone: str = ""
    move: int | None = None  # moving: the booking being moved, and its number
    number: str = ""
