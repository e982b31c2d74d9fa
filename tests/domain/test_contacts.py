"""One set of checks for names, addresses and contacts (domain/contacts.py): the appeal
dialog, `/register` and the services all call these, and each fits its column."""

from __future__ import annotations

import pytest

from domain.contacts import (
    AnswerChannel,
    answer_contact,
    free_address,
    full_name,
    postal_address,
)
from domain.errors import (
    InvalidEmail,
    InvalidFullName,
    InvalidPhone,
    InvalidPostalAddress,
    TooLong,
)
from domain.limits import ADDRESS_MAX, CONTACT_MAX, FULL_NAME_MAX


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Иванова   Мария Петровна ", "Иванова Мария Петровна"),
        ("Петров Сергей", "Петров Сергей"),
        ("Звонков Иван 12", "Звонков Иван 12"),
        ("ООО «Ромашка»", "ООО «Ромашка»"),
        ("Д'Артаньян Шарль", "Д'Артаньян Шарль"),
    ],
)
def test_a_full_name_of_two_words_with_letters_is_accepted_tidied(raw: str, expected: str) -> None:
    assert full_name(raw) == expected


@pytest.mark.parametrize("raw", ["аноним", "", "   ", "12 34", "Иван 5"])
def test_one_word_or_no_letters_is_not_a_full_name(raw: str) -> None:
    with pytest.raises(InvalidFullName):
        full_name(raw)


def test_a_name_longer_than_its_column_is_refused_with_the_limit_before_its_form() -> None:
    with pytest.raises(TooLong) as caught:
        full_name("Кузнецов " + "Олег" * 50)
    assert caught.value.limit == FULL_NAME_MAX


def test_a_postal_address_needs_a_house_number_and_fits_the_contact_column() -> None:
    assert postal_address("607060,  Выкса, ул. Ленина, д. 1") == "607060, Выкса, ул. Ленина, д. 1"
    with pytest.raises(InvalidPostalAddress):
        postal_address("Выкса, улица Ленина")  # no digit: no postcode, no house
    with pytest.raises(InvalidPostalAddress):
        postal_address("Выкса 1")  # too short to reach anyone
    with pytest.raises(TooLong) as caught:
        postal_address("607060, г. Выкса, " + "Шиморское шоссе " * 20)
    assert caught.value.limit == CONTACT_MAX


def test_a_free_address_is_only_tidied_and_bounded() -> None:
    assert free_address(" ул.  Ленина ") == "ул. Ленина"
    with pytest.raises(TooLong) as caught:
        free_address("д" * (ADDRESS_MAX + 1))
    assert caught.value.limit == ADDRESS_MAX


def test_the_contact_is_checked_by_the_channel_it_is_for() -> None:
    assert answer_contact(AnswerChannel.PHONE, "8 (920) 000-00-01") == "+79200000001"
    assert answer_contact(AnswerChannel.EMAIL, "Mail@Example.RU") == "Mail@example.ru"
    assert answer_contact(AnswerChannel.POST, "607060, Выкса, ул. Ленина, 1") == (
        "607060, Выкса, ул. Ленина, 1"
    )
    assert answer_contact(AnswerChannel.CHAT, "anything") == ""
    with pytest.raises(InvalidPhone):
        answer_contact(AnswerChannel.PHONE, "+1 555 0100")
    with pytest.raises(InvalidEmail):
        answer_contact(AnswerChannel.EMAIL, "не скажу")
    with pytest.raises(InvalidPostalAddress):
        answer_contact(AnswerChannel.POST, "где-то")
