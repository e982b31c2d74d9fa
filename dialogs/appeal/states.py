from datetime import datetime

from aiogram.fsm.state import State, StatesGroup
from pydantic import Field

from dialogs.steps import SummaryState
from domain.appeals import AnswerChannel, AppealKind, Subject, VulnerableGroup
from domain.pp55 import ApplicantType
from services.ports import Attachment


class FileAppeal(StatesGroup):
    kind = State()
    subject = State()
    # ПП 55 (dialogs/appeal/pp55.py): who complains, then one step per item of the set.
    pp55_applicant = State()
    pp55_time = State()
    pp55_device = State()
    pp55_contract = State()
    pp55_residence = State()
    pp55_birth_date = State()
    pp55_birth_place = State()
    pp55_passport = State()
    pp55_company = State()
    pp55_phone = State()
    pp55_email = State()
    pp55_demand = State()
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
    pp55_time_end: datetime | None = None  # a range's end (domain/when.py)
    # What was read from the typed time, shown back («Понял: … — верно?») until confirmed.
    pp55_time_read: datetime | None = None
    pp55_time_read_end: datetime | None = None
    pp55_device: str = ""
    pp55_contract: str = ""
    pp55_applicant: ApplicantType | None = None
    pp55_residence: str = ""
    pp55_company: str = ""
    pp55_phone: str = ""
    pp55_email: str = ""
    pp55_demand: str = ""
    # The identity data, sealed even in the dialog's stored state (storage/crypto.py).
    pp55_birth_date: str = ""
    pp55_birth_place: str = ""
    pp55_passport: str = ""
    # The outage known at the address the person was told of (dialogs/appeal/outage.py).
    outage_id: int | None = None
    pp55_asked: bool = False  # every ПП 55 step passed (an edit from the summary skips them)
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
