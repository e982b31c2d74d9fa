from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accounts import (
    Account,
    AccountCategory,
    Address,
    Meter,
    mask_name,
    normalize_account_number,
    second_factor_matches,
)
from domain.errors import InvalidAccountNumber
from domain.ids import AccountNumber

ACCOUNT = Account(
    number=AccountNumber("1000000001"),
    full_name="Королёва Мария Петровна",
    address=Address("Выкса", "ул. Ленина", "12", "5"),
    category=AccountCategory.HOUSEHOLD,
    meters=(Meter(serial="01-123 456", digits=6, zones=2),),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" 1000000001 ", "1000000001"), ("№ 12 34 56", "123456"), ("ab-1234", "AB-1234")],
)
def test_account_numbers_are_normalised_as_people_type_them(raw: str, expected: str) -> None:
    assert normalize_account_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12", "счёт", "12345678901234567890123456789012345", "1;2;3;4"]
)
def test_garbage_is_not_an_account_number(raw: str) -> None:
    with pytest.raises(InvalidAccountNumber):
        normalize_account_number(raw)


@pytest.mark.parametrize(
    "answer", ["Королёва", "королева", "  КОРОЛЕВА ", "01123456", "01-123 456"]
)
def test_surname_or_meter_serial_match_whatever_the_case_or_spacing(answer: str) -> None:
    assert second_factor_matches(ACCOUNT, answer)


@pytest.mark.parametrize("answer", ["", "Мария", "Королёва Мария", "0112345", "Королёв"])
def test_anything_else_does_not_match(answer: str) -> None:
    assert not second_factor_matches(ACCOUNT, answer)


@given(st.text(max_size=40))
def test_second_factor_never_crashes(answer: str) -> None:
    second_factor_matches(ACCOUNT, answer)


def test_masked_name_keeps_surname_and_initials() -> None:
    assert mask_name("Королёва Мария Петровна") == "Королёва М. П."
    assert mask_name("ИП Кузнецов") == "ИП К."
    assert mask_name("") == ""
