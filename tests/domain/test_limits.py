"""domain/limits.py: one set of lengths, checked with a message naming the limit; file names
shortened, not refused; numbers typed by people parsed within bounds."""

from __future__ import annotations

import pytest

from domain.errors import TooLong
from domain.limits import (
    ADDRESS_MAX,
    ADDRESS_SEPARATOR,
    FLAT_MAX,
    HOUSE_MAX,
    LIMITS,
    ROW_ID_MAX,
    SETTLEMENT_MAX,
    STREET_MAX,
    Field,
    check_length,
    fit_file_name,
    parse_bounded_int,
)


def test_every_field_has_a_limit() -> None:
    assert set(LIMITS) == set(Field)


def test_a_value_at_the_limit_passes_and_one_more_is_refused_naming_field_and_limit() -> None:
    assert check_length(Field.ADDRESS, "а" * ADDRESS_MAX) == "а" * ADDRESS_MAX
    with pytest.raises(TooLong) as refused:
        check_length(Field.ADDRESS, "а" * (ADDRESS_MAX + 1))
    assert refused.value.text_args == {"field": "address", "limit": 300, "length": 301}
    # The value itself is never in the error: it may be personal data.
    assert "а" not in str(refused.value)


def test_an_address_prefilled_from_the_registry_always_fits_an_appeal() -> None:
    """The dialog offers "settlement, street, house, flat" of the linked account."""
    longest = SETTLEMENT_MAX + STREET_MAX + HOUSE_MAX + FLAT_MAX + 3 * len(ADDRESS_SEPARATOR)
    assert longest <= ADDRESS_MAX


def test_a_long_file_name_is_shortened_and_keeps_its_extension() -> None:
    name = "скан " + "очень длинного заявления " * 20 + ".pdf"
    fitted = fit_file_name(name, 256)
    assert len(fitted) == 256
    assert fitted.endswith("….pdf")
    assert fitted.startswith("скан очень длинного")
    assert fit_file_name("акт.pdf", 256) == "акт.pdf"


def test_a_long_name_without_a_sensible_extension_is_cut() -> None:
    assert fit_file_name("x" * 300, 256) == "x" * 255 + "…"
    odd = "a." + "b" * 300  # "extension" longer than the name could keep
    assert fit_file_name(odd, 256) == odd[:255] + "…"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10", 10),
        (" 7 ", 7),
        ("0", None),
        ("²", None),
        ("٣", None),
        ("-5", None),
        ("+5", None),
        ("1e3", None),
        ("", None),
        (str(ROW_ID_MAX), ROW_ID_MAX),
        (str(ROW_ID_MAX + 1), None),
        ("9" * 400, None),
    ],
)
def test_a_typed_number_is_parsed_within_its_bounds(raw: str, expected: int | None) -> None:
    assert parse_bounded_int(raw, low=1, high=ROW_ID_MAX) == expected
