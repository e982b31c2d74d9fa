"""The ПП 55 data set (domain/pp55.py): which items, for whom, and their checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.appeals import QualityComplaintDetails
from domain.errors import InvalidBirthDate, InvalidPassport
from domain.pp55 import (
    ApplicantType,
    Identity,
    Pp55Item,
    birth_date,
    items_for,
    missing_items,
    passport,
)

TODAY = date(2026, 12, 4)


def _read(text: str, today: date) -> date | None:
    try:
        return datetime.strptime(text, "%d.%m.%Y").replace(tzinfo=UTC).date()
    except ValueError:
        return None


def test_pp55_person_gives_identity_business_gives_company_name() -> None:
    person, business = items_for(ApplicantType.PERSON), items_for(ApplicantType.BUSINESS)
    for item in (Pp55Item.PASSPORT, Pp55Item.BIRTH_DATE, Pp55Item.BIRTH_PLACE):
        assert item in person and item not in business
    assert Pp55Item.COMPANY in business and Pp55Item.COMPANY not in person
    common = {Pp55Item.CONTRACT, Pp55Item.DEVICE, Pp55Item.TIME, Pp55Item.PHONE}
    assert common | {Pp55Item.EMAIL, Pp55Item.DEMAND} <= set(person) & set(business)


@pytest.mark.parametrize("raw", ["4510 123456", "45 10 123456", "4510123456", "№45 10-123456"])
def test_pp55_passport_series_4_digits_and_number_6_digits(raw: str) -> None:
    assert passport(raw) == ("4510", "123456")


@pytest.mark.parametrize("raw", ["4510 12345", "4510 1234567", "IV-ИК 123456", ""])
def test_pp55_passport_in_another_form_is_refused_without_the_input(raw: str) -> None:
    with pytest.raises(InvalidPassport) as refused:
        passport(raw)
    assert raw not in str(refused.value) or not raw


def test_pp55_birth_date_is_a_real_past_date() -> None:
    assert birth_date("12.03.1956", today=TODAY, read=_read) == date(1956, 3, 12)
    for wrong in ("31.02.1990", "05.12.2026", "01.01.1850", "12.03", ""):
        with pytest.raises(InvalidBirthDate):
            birth_date(wrong, today=TODAY, read=_read)


def test_pp55_missing_items_are_what_was_sent_later() -> None:
    details = QualityComplaintDetails(
        applicant=ApplicantType.PERSON,
        device_address="Выкса, ул. Ленина, 12",
        identity=Identity(passport_series="4510", passport_number="123456"),
    )
    missing = details.missing()
    assert Pp55Item.DEVICE not in missing and Pp55Item.PASSPORT not in missing
    assert Pp55Item.TIME in missing and Pp55Item.BIRTH_DATE in missing
    assert missing == missing_items(ApplicantType.PERSON, details.given())
    # An appeal filed before the whole set was asked lacks nothing it was asked.
    assert QualityComplaintDetails(device_address="дом").missing() == ()


def test_152fz_identity_repr_shows_no_value() -> None:
    identity = Identity(passport_series="4510", passport_number="123456", birth_place="Выкса")
    assert "123456" not in repr(identity) and "Выкса" not in repr(identity)
    details = QualityComplaintDetails(identity=identity)
    assert "123456" not in repr(details)
