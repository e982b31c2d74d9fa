from aiogram.fsm.state import State, StatesGroup
from pydantic import BaseModel, Field

from dialogs.steps import DraftState


class SendReadings(StatesGroup):
    account = State()
    meter = State()
    value = State()  # the zone being asked is data["zone"]
    rollover = State()  # a lower value near the top of the counter: past zero?
    implausible = State()  # consumption far above the usual: is it right?
    photo = State()
    confirm = State()


class ZoneValue(BaseModel):
    milli: int
    rollover: bool = False
    implausible: bool = False  # a consumption far above the usual, confirmed


class PendingValue(BaseModel):
    """A value typed that raised a question (rollover, implausible), waiting for the answer."""

    raw: str = ""
    rollover: bool = False


class ReadingDialogState(DraftState):
    """What a person sending readings has chosen and entered (the stored dialog data)."""

    choose_account: bool = False  # more than one account: «Назад» goes to the account choice
    choose_meter: bool = False
    account: str = ""
    serial: str = ""
    zones: int = 1
    zone: int = 1  # the zone being asked
    values: dict[int, ZoneValue] = Field(default_factory=dict)
    photo: str | None = None
    pending: PendingValue | None = None
