from datetime import datetime

from aiogram.fsm.state import State, StatesGroup
from pydantic import Field

from dialogs.steps import SummaryState
from domain.appeals import AnswerChannel, AppealKind, Subject, VulnerableGroup
from services.ports import Attachment


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


class AppealDialogState(SummaryState):
    """What a person filing an appeal has entered (the keys of the stored dialog data)."""

    kind: AppealKind | None = None
    subject: Subject | None = None
    pp55_time: datetime | None = None
    pp55_device: str = ""
    pp55_contract: str = ""
    text: str = ""
    rest: str = ""  # the second part of a text too long for one appeal
    long_text: str | None = None  # a text over the limit, waiting for «trim» or «split»
    files: list[Attachment] = Field(default_factory=list)
    albums: list[str] = Field(default_factory=list)
    full_name: str = ""
    address: str = ""
    account_number: str | None = None
    channel: AnswerChannel | None = None
    contact: str = ""
    vulnerable: VulnerableGroup | None = None
