"""Who a person is and where an answer reaches them: a full name, a postal address, a phone,
an e-mail. One set of checks for every place they are entered (the appeal dialog, `/register`
in the staff chat, a staff profile, a booking, an import), so a value accepted in one place is
accepted in all, and every one fits its database column (domain/limits.py).

Each check tidies what people type (spaces collapsed, phones to +7XXXXXXXXXX, an e-mail's
domain lower-cased), checks the length first (the person is told the limit), then the form.
The errors carry no raw input: it is personal data.
"""

from __future__ import annotations

import re
from enum import StrEnum

from domain.errors import InvalidEmail, InvalidFullName, InvalidPhone, InvalidPostalAddress
from domain.limits import Field, check_length


class AnswerChannel(StrEnum):
    """§17.6: the answer goes by the channel the consumer chose."""

    CHAT = "chat"
    EMAIL = "email"
    POST = "post"
    PHONE = "phone"


# Names ------------------------------------------------------------------------------------

# A word with at least one letter: surnames, given names, patronymics, a company's name
# («ООО «Ромашка»»); a number in a name ("Звонков Иван 2") is allowed among letter words.
_LETTER_WORD = re.compile(r"[^\W\d_]")
NAME_MIN_WORDS = 2


def full_name(raw: str) -> str:
    """A person's or an organisation's name (§15.2: an appeal must say who wrote it): at least
    two words with letters ("Иванова Мария", "ООО «Ромашка»"), spaces collapsed."""
    name = " ".join(raw.split())
    check_length(Field.FULL_NAME, name)
    if sum(1 for word in name.split() if _LETTER_WORD.search(word)) < NAME_MIN_WORDS:
        raise InvalidFullName("not a full name")
    return name


# Addresses --------------------------------------------------------------------------------

POSTAL_ADDRESS_MIN = 15


def postal_address(raw: str, *, field: Field = Field.CONTACT) -> str:
    """Where a letter is sent (59-ФЗ ст. 7 ч. 1: the postal address for the answer): a
    postcode, a settlement, a street and a house, so at least 15 characters with a digit."""
    address = " ".join(raw.split())
    check_length(field, address)
    if len(address) < POSTAL_ADDRESS_MIN or not any(char.isdigit() for char in address):
        raise InvalidPostalAddress("not a postal address")
    return address


def free_address(raw: str) -> str:
    """An address a person adds for reference (optional in the appeal dialog): spaces
    collapsed, within the column."""
    address = " ".join(raw.split())
    check_length(Field.ADDRESS, address)
    return address


# Phones and e-mail ------------------------------------------------------------------------
_PHONE_SEPARATORS = re.compile(r"[\s()\-.]")
# Russian national numbers (ABC/DEF codes) begin with 3, 4, 8 or 9; +7 6xx/7xx is Kazakhstan.
_NATIONAL_RE = re.compile(r"^[3489]\d{9}$")


def normalize_ru_phone(raw: str) -> str:
    """`+7` and ten digits from what people type: `8 (920) 000-00-01`, `+7 920 0000001`,
    `9200000001`. Anything else (foreign numbers, short numbers, letters) is refused."""
    compact = _PHONE_SEPARATORS.sub("", raw.strip())
    if compact.startswith("+7"):
        national = compact[2:]
    elif len(compact) == 11 and compact[0] in "78":
        national = compact[1:]
    else:
        national = compact
    if not national.isascii() or not _NATIONAL_RE.fullmatch(national):
        raise InvalidPhone("not a Russian phone number")
    return f"+7{national}"


_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def validate_email(raw: str) -> str:
    """A pragmatic check (not RFC 5322): `local@domain.tld`, an ASCII local part, a domain of
    letters (Cyrillic ones too: .рф), digits and inner hyphens. The domain is lower-cased; the
    local part is kept, since it may be case-sensitive."""
    candidate = raw.strip()
    local, at, domain = candidate.rpartition("@")
    if not at or not local or len(local) > 64 or len(candidate) > 254:
        raise InvalidEmail("not an e-mail address")
    if not _LOCAL_RE.fullmatch(local):
        raise InvalidEmail("not an e-mail address")
    domain = domain.lower()
    labels = domain.split(".")
    if len(labels) < 2 or not all(_is_domain_label(label) for label in labels):
        raise InvalidEmail("not an e-mail address")
    if labels[-1].isdigit():
        raise InvalidEmail("not an e-mail address")
    return f"{local}@{domain}"


def _is_domain_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(char.isalnum() or char == "-" for char in label)
    )


def answer_contact(channel: AnswerChannel, raw: str) -> str:
    """Where the answer goes (59-ФЗ ст. 7 ч. 1, ст. 10 ч. 4) for a channel that needs an
    address: an e-mail, a Russian phone, a postal address; "" for the chat."""
    if channel is AnswerChannel.EMAIL:
        return validate_email(raw)
    if channel is AnswerChannel.PHONE:
        return normalize_ru_phone(raw)
    if channel is AnswerChannel.POST:
        return postal_address(raw)
    return ""
