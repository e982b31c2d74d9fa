"""How long a text a person, a staff member or an import file may give is, field by field,
and how large an id from outside (a button's data, a command's argument) may be.

These are the lengths of the database columns: `storage/models/` builds its `String(n)`
from the constants below, and a test compares the two, so they cannot drift. A value that
passed `check_length` fits its column on PostgreSQL (which refuses a longer one with an
error) as on SQLite (which stores anything). A value is checked where it is entered, so
that the person is told at once, with the limit, and the dialog stays at that step.

What Telegram names (a document's file name, its MIME type) is not the person's fault: it
is shortened to fit (`fit_file_name`, `clip`), never refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import PurePosixPath
from types import MappingProxyType

from domain.errors import TooLong


class Field(StrEnum):
    """A text field with a maximum length. The codes are the column names of the import
    files and name the field in the messages (`error-too-long` in the locale files)."""

    FULL_NAME = "full_name"  # a person's or a company's name: people, accounts, appeals...
    ADDRESS = "address"  # an appeal's postal address (what the person writes)
    CONTACT = "contact"  # where the answer goes: a postal address, an e-mail, a phone
    PHONE = "phone"
    EMAIL = "email"
    POSITION = "position"  # a staff member's position (the signature of answers, §15.5)
    DEPARTMENT = "department"  # a department's name (§15.3)
    DEVICE_ADDRESS = "device_address"  # ПП 55: the address of the power receiving device
    CONTRACT_NUMBER = "contract_number"  # ПП 55: the contract
    BIRTH_PLACE = "birth_place"  # ПП 55: the place of birth (sealed at rest)
    DEMAND = "demand"  # ПП 55: what the consumer demands
    ACCOUNT = "account"  # a personal account number (normalised)
    SETTLEMENT = "settlement"
    STREET = "street"
    HOUSE = "house"
    FLAT = "flat"
    METER_SERIAL = "meter_serial"
    HOUSES = "houses"  # an outage's houses, as stored: "1-15; 2-20 even; 7а"
    REASON = "reason"  # an outage's reason


FULL_NAME_MAX = 200
ADDRESS_MAX = 300
CONTACT_MAX = 300
PHONE_MAX = 32
# RFC 5321 §4.5.3.1: a path (the address within "<>") is at most 256 octets, 254 without.
EMAIL_MAX = 254
POSITION_MAX = 200
DEPARTMENT_MAX = 200
CONTRACT_NUMBER_MAX = 64
ACCOUNT_MAX = 32
SETTLEMENT_MAX = 100
STREET_MAX = 150
HOUSE_MAX = 20
FLAT_MAX = 20
METER_SERIAL_MAX = 64
HOUSES_MAX = 500
REASON_MAX = 500
BIRTH_PLACE_MAX = 200
DEMAND_MAX = 1000
# What Telegram gives about a file; shortened, never refused.
FILE_NAME_MAX = 256
MIME_TYPE_MAX = 128
# A notice's source ("cli:FILE", "staff:FILE") and a draft's file name.
NOTICE_SOURCE_MAX = 200
DRAFT_FILE_NAME_MAX = 200

LIMITS: Mapping[Field, int] = MappingProxyType(
    {
        Field.FULL_NAME: FULL_NAME_MAX,
        Field.ADDRESS: ADDRESS_MAX,
        Field.CONTACT: CONTACT_MAX,
        Field.PHONE: PHONE_MAX,
        Field.EMAIL: EMAIL_MAX,
        Field.POSITION: POSITION_MAX,
        Field.DEPARTMENT: DEPARTMENT_MAX,
        # Not a column (kept in the appeal's JSON), but shown on the staff card.
        Field.DEVICE_ADDRESS: ADDRESS_MAX,
        Field.CONTRACT_NUMBER: CONTRACT_NUMBER_MAX,
        # Kept in the appeal's JSON (the place of birth sealed): not columns either.
        Field.BIRTH_PLACE: BIRTH_PLACE_MAX,
        Field.DEMAND: DEMAND_MAX,
        Field.ACCOUNT: ACCOUNT_MAX,
        Field.SETTLEMENT: SETTLEMENT_MAX,
        Field.STREET: STREET_MAX,
        Field.HOUSE: HOUSE_MAX,
        Field.FLAT: FLAT_MAX,
        Field.METER_SERIAL: METER_SERIAL_MAX,
        Field.HOUSES: HOUSES_MAX,
        Field.REASON: REASON_MAX,
    }
)

# An appeal's address is prefilled from the linked account as "settlement, street, house,
# flat": the registry's parts always fit it (a test keeps it so).
ADDRESS_SEPARATOR = ", "

# Ids from outside. The appeals, bookings, notices, tasks and departments are numbered by
# INTEGER columns (32 bits on PostgreSQL); Telegram ids are BIGINT (user ids have at most
# 52 significant bits: https://core.telegram.org/bots/api#user).
ROW_ID_MAX = 2**31 - 1
TELEGRAM_ID_MAX = 2**63 - 1


def check_length(field: Field, value: str) -> str:
    """`value` as given, or TooLong naming the field and its limit."""
    limit = LIMITS[field]
    if len(value) > limit:
        raise TooLong(field.value, limit, len(value))
    return value


def clip(value: str, limit: int) -> str:
    """What Telegram or the system gave, cut to `limit` characters."""
    return value if len(value) <= limit else value[:limit]


def fit_file_name(name: str, limit: int = FILE_NAME_MAX) -> str:
    """A file name shortened to `limit` characters, its extension kept ("…" marks the cut):
    a document's name is Telegram's, not something to refuse a person for."""
    if len(name) <= limit:
        return name
    suffix = PurePosixPath(name).suffix
    if not suffix or len(suffix) > min(16, limit // 2):
        return name[: limit - 1] + "…"
    return name[: limit - len(suffix) - 1] + "…" + suffix


def parse_bounded_int(raw: str, *, low: int, high: int) -> int | None:
    """A whole number typed by a person (a command's argument), or None when it is not one
    of `low`..`high`: ASCII digits only (`"²".isdigit()` is true, and `int` reads Arabic
    digits), so nothing unexpected reaches `int`, a database column or a timedelta."""
    value = raw.strip()
    if not value or len(value) > len(str(high)) or not (value.isascii() and value.isdecimal()):
        return None
    number = int(value)
    return number if low <= number <= high else None
