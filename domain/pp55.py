"""The data set of a complaint about the reliability or the quality of supply (ПП 442 as
amended by ПП 55, requirements.md §2 [C] S19): which items it has, which of them a person and
a business account give, and the checks of each.

ПП 55 lists: the full name, the place of residence, the date and the place of birth, the
passport's series and number (or, for a business, the company's name), the contract's number,
the address of the energy-receiving device, the time of the violation, a phone, an e-mail, the
consumer's demand and the preferred way to get the answer. The full name and the way to answer
are asked by every appeal; the rest are the items below.

Nothing here refuses an appeal for a missing item: a person may answer «Отправлю позже»
for any of them, the appeal records which are still missing (`missing_items`), and staff see
them on the card and ask for them. Checks refuse only a value in the wrong form.

The passport and the birth data are identity data (152-ФЗ): they are sealed at rest
(storage/crypto.py) and never put in an error, a log line or a repr.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.errors import InvalidBirthDate, InvalidPassport
from domain.limits import Field, check_length


class ApplicantType(StrEnum):
    """Who complains: a person gives identity data, a business its name (ПП 55)."""

    PERSON = "person"
    BUSINESS = "business"


class Pp55Item(StrEnum):
    """One item of the ПП 55 data set besides the name and the way to answer. The codes are
    the keys of the stored appeal (storage/appeals.py) and of the texts (`pp55-item-*`)."""

    RESIDENCE = "residence"  # место жительства
    BIRTH_DATE = "birth_date"
    BIRTH_PLACE = "birth_place"
    PASSPORT = "passport"  # серия и номер
    COMPANY = "company"  # наименование организации (instead of the identity data)
    CONTRACT = "contract"  # номер договора
    DEVICE = "device"  # адрес энергопринимающего устройства
    TIME = "time"  # время нарушения
    PHONE = "phone"
    EMAIL = "email"
    DEMAND = "demand"  # требование потребителя


# The order they are asked in: what happened first (as a complaint is told), then who asks;
# the identity data only of a person, the company's name only of a business.
PERSON_ITEMS: tuple[Pp55Item, ...] = (
    Pp55Item.TIME,
    Pp55Item.DEVICE,
    Pp55Item.CONTRACT,
    Pp55Item.RESIDENCE,
    Pp55Item.BIRTH_DATE,
    Pp55Item.BIRTH_PLACE,
    Pp55Item.PASSPORT,
    Pp55Item.PHONE,
    Pp55Item.EMAIL,
    Pp55Item.DEMAND,
)
BUSINESS_ITEMS: tuple[Pp55Item, ...] = (
    Pp55Item.TIME,
    Pp55Item.DEVICE,
    Pp55Item.CONTRACT,
    Pp55Item.COMPANY,
    Pp55Item.PHONE,
    Pp55Item.EMAIL,
    Pp55Item.DEMAND,
)
# Sealed at rest and shown to staff only behind a button (152-ФЗ: identity document data).
SEALED_ITEMS = frozenset({Pp55Item.BIRTH_DATE, Pp55Item.BIRTH_PLACE, Pp55Item.PASSPORT})


def items_for(applicant: ApplicantType) -> tuple[Pp55Item, ...]:
    return BUSINESS_ITEMS if applicant is ApplicantType.BUSINESS else PERSON_ITEMS


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """A person's identity data as ПП 55 asks it. Never printed: `repr` hides the values."""

    passport_series: str = field(default="", repr=False)
    passport_number: str = field(default="", repr=False)
    birth_date: date | None = field(default=None, repr=False)
    birth_place: str = field(default="", repr=False)

    @property
    def is_empty(self) -> bool:
        return not (
            self.passport_series or self.passport_number or self.birth_date or self.birth_place
        )

    def given(self) -> frozenset[Pp55Item]:
        items = set()
        if self.passport_series and self.passport_number:
            items.add(Pp55Item.PASSPORT)
        if self.birth_date is not None:
            items.add(Pp55Item.BIRTH_DATE)
        if self.birth_place:
            items.add(Pp55Item.BIRTH_PLACE)
        return frozenset(items)


def missing_items(applicant: ApplicantType, given: Iterable[Pp55Item]) -> tuple[Pp55Item, ...]:
    """The items of the applicant's set not given yet, in the order they are asked."""
    have = set(given)
    return tuple(item for item in items_for(applicant) if item not in have)


# Checks -----------------------------------------------------------------------------------

PASSPORT_SERIES_DIGITS = 4
PASSPORT_NUMBER_DIGITS = 6
OLDEST_AGE_YEARS = 130
BIRTH_DATE_TEXT_MAX = 40
# Reads a typed date (the day it is typed on given, for "вчера"-like words), or None.
DateReader = Callable[[str, date], date | None]


def passport(raw: str) -> tuple[str, str]:
    """A Russian passport's series (4 digits) and number (6 digits) from what people type:
    "4510 123456", "45 10 123456", "4510123456", "№ 45 10 123456"."""
    digits = "".join(char for char in raw if char.isascii() and char.isdigit())
    letters = any(char.isalpha() for char in raw)
    if letters or len(digits) != PASSPORT_SERIES_DIGITS + PASSPORT_NUMBER_DIGITS:
        raise InvalidPassport("not a passport series and number")
    return digits[:PASSPORT_SERIES_DIGITS], digits[PASSPORT_SERIES_DIGITS:]


def birth_date(raw: str, *, today: date, read: DateReader) -> date:
    """A real date in the past, at most 130 years ago: "12.03.1956", "12 марта 1956",
    "1956-03-12". `read` turns everyday forms into a date (dialogs/pp55/dates.py, over
    dateparser) or gives None; a day and a month without a year, or a date to come, are
    refused."""
    text = " ".join(raw.split())
    # A year at least: "12 марта" is no birth date.
    if not text or len(text) > BIRTH_DATE_TEXT_MAX or sum(c.isdigit() for c in text) < 4:
        raise InvalidBirthDate("not a date")
    day = read(text, today)
    if day is None:
        raise InvalidBirthDate("not a date")
    if day >= today or today.year - day.year > OLDEST_AGE_YEARS:
        raise InvalidBirthDate("not a past date")
    return day


def _words(field: Field, raw: str) -> str:
    """What was typed, spaces collapsed, within its field's limit."""
    return check_length(field, " ".join(raw.split()))


def birth_place(raw: str) -> str:
    """A settlement, a district, a region as written in the passport."""
    return _words(Field.BIRTH_PLACE, raw)


def residence(raw: str) -> str:
    """The place of residence (registration address)."""
    return _words(Field.ADDRESS, raw)


def company(raw: str) -> str:
    return _words(Field.FULL_NAME, raw)


def demand(raw: str) -> str:
    """What the consumer demands (to restore the supply, to recalculate the bill ...)."""
    return _words(Field.DEMAND, raw)
