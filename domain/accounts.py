"""Personal accounts (лицевые счета) from the billing registry, and the rules for linking them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import InvalidAccountNumber
from domain.ids import AccountNumber

ACCOUNT_NUMBER_RE = re.compile(r"^[0-9A-Z][0-9A-Z\-/]{3,31}$")


class AccountCategory(StrEnum):
    HOUSEHOLD = "household"
    BUSINESS = "business"


@dataclass(frozen=True, slots=True)
class Meter:
    serial: str
    digits: int
    zones: int


@dataclass(frozen=True, slots=True)
class Address:
    settlement: str
    street: str
    house: str
    flat: str = ""


@dataclass(frozen=True, slots=True)
class Account:
    number: AccountNumber
    full_name: str
    address: Address
    category: AccountCategory
    phone: str = ""
    email: str = ""
    meters: tuple[Meter, ...] = field(default_factory=tuple)


def normalize_account_number(raw: str) -> AccountNumber:
    """Accept what people type: spaces, dashes at the ends, lower case, a leading '№'."""
    cleaned = raw.strip().upper().replace(" ", "").lstrip("№N#").strip("-")
    if not ACCOUNT_NUMBER_RE.fullmatch(cleaned):
        raise InvalidAccountNumber(raw)
    return AccountNumber(cleaned)


def _fold(text: str) -> str:
    """Compare names the way people write them: case, ё/е and extra spaces do not matter."""
    text = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    return " ".join(text.split())


def surname_of(full_name: str) -> str:
    parts = full_name.split()
    return parts[0] if parts else ""


def second_factor_matches(account: Account, answer: str) -> bool:
    """The second factor is the holder's surname or the serial of one of the account's meters."""
    folded = _fold(answer)
    if not folded:
        return False
    surname = _fold(surname_of(account.full_name))
    if surname and folded == surname:
        return True
    compact = folded.replace(" ", "").replace("-", "")
    return any(
        compact == _fold(meter.serial).replace(" ", "").replace("-", "")
        for meter in account.meters
    )


def mask_name(full_name: str) -> str:
    """What a consumer sees of a holder's name before a link is confirmed: surname and initials."""
    parts = full_name.split()
    if not parts:
        return ""
    initials = " ".join(f"{p[0]}." for p in parts[1:3])
    return f"{parts[0]} {initials}".strip()
