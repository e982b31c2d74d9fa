"""Import of debts, outages, tariffs and restrictions: bad rows refused with their line
numbers and a text key, good rows go on; a bad file is refused as a whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.texts import Texts
from domain.notices import HouseRange, HouseSet, OutageKind
from services.csv_import import ImportFileError
from services.notice_import import (
    COLUMNS,
    HEADER_ERRORS,
    DebtLine,
    ImportKind,
    OutageLine,
    Parsed,
    RestrictionLine,
    TariffLine,
    parse_debts,
    parse_outages,
    parse_restrictions,
    parse_tariffs,
)

MOSCOW = ZoneInfo("Europe/Moscow")
DEBTS = "account,amount,as_of,due_date"
OUTAGES = "settlement,street,houses,starts_at,ends_at,kind,reason"
TARIFFS = "text,effective_date"
RESTRICTIONS = "account,planned_date,amount"


def csv(*rows: str, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join(rows) + "\n").encode("utf-8")


def reasons(parsed: Parsed[Any]) -> list[tuple[int, str, str]]:
    return [(r.line, r.reason, r.detail) for r in parsed.refused]


# --- debts ---------------------------------------------------------------------------


def test_debts_parse() -> None:
    parsed = parse_debts(
        csv(
            DEBTS,
            "1000000001,1234.50,2026-11-20,2026-12-10",
            " 10-01 ,1 500,20.11.2026,10.12.2026",
        )
    )
    assert parsed.refused == ()
    assert parsed.lines == (
        DebtLine(2, "1000000001", Decimal("1234.50"), date(2026, 11, 20), date(2026, 12, 10)),
        DebtLine(3, "10-01", Decimal("1500.00"), date(2026, 11, 20), date(2026, 12, 10)),
    )


def test_debts_with_semicolons_a_bom_and_decimal_commas() -> None:
    parsed = parse_debts(
        csv(DEBTS.replace(",", ";"), "1000000001;1 234,50;2026-11-20;2026-12-10", bom=True)
    )
    assert parsed.refused == ()
    assert parsed.lines[0].amount == Decimal("1234.50")
    assert parsed.lines[0].line == 2


def test_account_numbers_are_normalized_as_the_account_import_does() -> None:
    parsed = parse_debts(csv(DEBTS, "№ 1000 0001,10,2026-11-20,2026-12-10"))
    assert [line.account for line in parsed.lines] == ["10000001"]


def test_bad_debt_rows_are_refused_with_their_line_and_good_rows_go_on() -> None:
    parsed = parse_debts(
        csv(
            DEBTS,
            "1000000001,100,2026-11-20,2026-12-10",
            ",100,2026-11-20,2026-12-10",
            "x!,100,2026-11-20,2026-12-10",
            "1000000002,,2026-11-20,2026-12-10",
            "1000000003,-5,2026-11-20,2026-12-10",
            "1000000004,0,2026-11-20,2026-12-10",
            "1000000005,0.00,2026-11-20,2026-12-10",
            "1000000006,12.345,2026-11-20,2026-12-10",
            "1000000007,100,2026-11-31,2026-12-10",
            "1000000008,100,2026-11-20,",
            "1000000009,100,2026-11-20,10/12/2026",
            "1000000001,200,2026-11-20,2026-12-10",
            "1000000010,100",
            "",
            "1000000011,100,2026-11-20,2026-12-10",
        )
    )
    assert reasons(parsed) == [
        (3, "import-row-missing", "account"),
        (4, "import-row-account", "x!"),
        (5, "import-row-missing", "amount"),
        (6, "import-row-amount", "-5"),
        (7, "import-row-amount", "0"),
        (8, "import-row-amount", "0.00"),
        (9, "import-row-amount", "12.345"),
        (10, "import-row-date", "2026-11-31"),
        (11, "import-row-missing", "due_date"),
        (12, "import-row-date", "10/12/2026"),
        (13, "import-row-duplicate", "2"),
        (14, "import-row-columns", "2"),
    ]
    assert [(line.line, line.account) for line in parsed.lines] == [
        (2, "1000000001"),
        (16, "1000000011"),
    ]


def test_a_duplicate_is_counted_from_the_first_good_row_and_after_normalising() -> None:
    parsed = parse_debts(
        csv(
            DEBTS,
            "1000000001,0,2026-11-20,2026-12-10",
            "1000000001,100,2026-11-20,2026-12-10",
            " 1000000001 ,300,2026-11-20,2026-12-10",
        )
    )
    assert reasons(parsed) == [
        (2, "import-row-amount", "0"),
        (4, "import-row-duplicate", "3"),
    ]
    assert [line.amount for line in parsed.lines] == [Decimal("100.00")]


def test_a_long_bad_value_is_cut_in_the_detail() -> None:
    parsed = parse_debts(csv(DEBTS, f"1000000001,{'9' * 60},2026-11-20,2026-12-10"))
    assert reasons(parsed) == [(2, "import-row-amount", "9" * 40)]


def test_columns_may_come_in_any_order_and_extra_ones_are_ignored() -> None:
    parsed = parse_debts(
        csv("due_date,comment,amount,account,as_of", "2026-12-10,x,100,1000000001,2026-11-20")
    )
    assert parsed.lines == (
        DebtLine(2, "1000000001", Decimal("100.00"), date(2026, 11, 20), date(2026, 12, 10)),
    )


# --- outages -------------------------------------------------------------------------


def test_outages_parse() -> None:
    parsed = parse_outages(
        csv(
            OUTAGES,
            'г. Выкса,ул.  Ленина,"1-15; 2-20 чёт; 7а",2026-12-01 09:00,2026-12-01 17:00,'
            "planned,замена опор",
            "Выкса,Мира,,01.12.2026 10:30,01.12.2026 12:00,аварийное,",
        ),
        MOSCOW,
    )
    assert parsed.refused == ()
    assert parsed.lines == (
        OutageLine(
            line=2,
            settlement="г. Выкса",
            street="ул. Ленина",
            houses=HouseSet((HouseRange(1, 15), HouseRange(2, 20, "even"), "7а")),
            starts_at=datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
            ends_at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
            kind=OutageKind.PLANNED,
            reason="замена опор",
        ),
        OutageLine(
            line=3,
            settlement="Выкса",
            street="Мира",
            houses=HouseSet(),
            starts_at=datetime(2026, 12, 1, 7, 30, tzinfo=UTC),
            ends_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            kind=OutageKind.EMERGENCY,
            reason="",
        ),
    )
    assert parsed.lines[1].houses.whole_street


def test_outage_times_are_read_in_the_given_zone() -> None:
    row = "Выкса,Мира,,2026-12-01 09:00,2026-12-01 10:00,planned,"
    moscow = parse_outages(csv(OUTAGES, row), MOSCOW).lines[0]
    samara = parse_outages(csv(OUTAGES, row), ZoneInfo("Europe/Samara")).lines[0]
    assert moscow.starts_at - samara.starts_at == moscow.ends_at - samara.ends_at
    assert samara.starts_at == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("planned", OutageKind.PLANNED),
        ("Planned", OutageKind.PLANNED),
        ("плановое", OutageKind.PLANNED),
        ("Плановое", OutageKind.PLANNED),
        ("плановая", OutageKind.PLANNED),
        ("emergency", OutageKind.EMERGENCY),
        ("EMERGENCY", OutageKind.EMERGENCY),
        ("аварийное", OutageKind.EMERGENCY),
        ("АВАРИЙНОЕ", OutageKind.EMERGENCY),
        ("аварийная", OutageKind.EMERGENCY),
    ],
)
def test_outage_kinds(value: str, kind: OutageKind) -> None:
    row = f"Выкса,Мира,,2026-12-01 09:00,2026-12-01 10:00,{value},"
    assert parse_outages(csv(OUTAGES, row), MOSCOW).lines[0].kind is kind


def test_bad_outage_rows_are_refused_with_their_line_and_good_rows_go_on() -> None:
    period = "2026-12-01 09:00;2026-12-01 17:00"
    parsed = parse_outages(
        csv(
            OUTAGES.replace(",", ";"),
            f"Выкса;Ленина;1-15;{period};planned;",
            f";Ленина;1-15;{period};planned;",
            f"Выкса;;1-15;{period};planned;",
            f'Выкса;Ленина;"1-15; abc";{period};planned;',
            f"Выкса;Ленина;5-3;{period};planned;",
            "Выкса;Ленина;1-15;2026-12-01;2026-12-01 17:00;planned;",
            "Выкса;Ленина;1-15;2026-12-01 09:00;;planned;",
            "Выкса;Ленина;1-15;2026-12-01 09:00;2026-12-01 09:00;planned;",
            "Выкса;Ленина;1-15;2026-12-01 09:00;2026-11-30 17:00;planned;",
            f"Выкса;Ленина;1-15;{period};scheduled;",
            f"Выкса;Ленина;1-15;{period};;",
            f"Выкса;Ленина;1-15;{period};planned;{'x' * 501}",
            # The columns hold 100 characters of settlement and 150 of street.
            f"{'В' * 101};Ленина;1-15;{period};planned;",
            f"Выкса;{'у' * 151};1-15;{period};planned;",
            "Выкса;Ленина;1-15",
            f"Выкса;Мира;;{period};emergency;{'x' * 500}",
        ),
        MOSCOW,
    )
    assert reasons(parsed) == [
        (3, "import-row-missing", "settlement"),
        (4, "import-row-missing", "street"),
        (5, "import-row-houses", "abc"),
        (6, "import-row-houses", "5-3"),
        (7, "import-row-datetime", "2026-12-01"),
        (8, "import-row-missing", "ends_at"),
        (9, "import-row-period", "2026-12-01 09:00 - 2026-12-01 09:00"),
        (10, "import-row-period", "2026-12-01 09:00 - 2026-11-30 17:00"),
        (11, "import-row-outage-kind", "scheduled"),
        (12, "import-row-missing", "kind"),
        (13, "import-row-too-long", "reason (500)"),
        (14, "import-row-too-long", "settlement (100)"),
        (15, "import-row-too-long", "street (150)"),
        (16, "import-row-columns", "3"),
    ]
    assert [(line.line, line.street) for line in parsed.lines] == [(2, "Ленина"), (17, "Мира")]


def test_a_bad_houses_list_is_refused_with_the_offending_part() -> None:
    row = 'Выкса,Ленина,"1-15; 7а; abc",2026-12-01 09:00,2026-12-01 17:00,planned,'
    assert reasons(parse_outages(csv(OUTAGES, row), MOSCOW)) == [(2, "import-row-houses", "abc")]


def test_bad_outage_times() -> None:
    rows = [
        "Выкса,Ленина,,2026-12-01 25:00,2026-12-01 17:00,planned,",
        "Выкса,Ленина,,2026-12-01 09:00,завтра,planned,",
    ]
    assert reasons(parse_outages(csv(OUTAGES, *rows), MOSCOW)) == [
        (2, "import-row-datetime", "2026-12-01 25:00"),
        (3, "import-row-datetime", "завтра"),
    ]


def test_outages_of_one_street_may_repeat() -> None:
    row = "Выкса,Ленина,,2026-12-01 09:00,2026-12-01 17:00,planned,"
    assert len(parse_outages(csv(OUTAGES, row, row), MOSCOW).lines) == 2


# --- tariffs -------------------------------------------------------------------------


def test_tariffs_parse_with_a_multiline_quoted_text() -> None:
    parsed = parse_tariffs(
        csv(
            TARIFFS.replace(",", ";"),
            '"С 1 января тариф; 6,12 руб./кВт·ч.\nПодробнее на сайте.";01.01.2027',
            "Второй;2027-07-01",
            bom=True,
        )
    )
    assert parsed.refused == ()
    assert parsed.lines == (
        TariffLine(3, "С 1 января тариф; 6,12 руб./кВт·ч.\nПодробнее на сайте.", date(2027, 1, 1)),
        TariffLine(4, "Второй", date(2027, 7, 1)),
    )


def test_bad_tariff_rows() -> None:
    parsed = parse_tariffs(
        csv(
            TARIFFS,
            ",2027-01-01",
            "Тариф,",
            "Тариф,1 января",
            f"{'т' * 2001},2027-01-01",
            f"{'т' * 2000},2027-01-01",
        )
    )
    assert reasons(parsed) == [
        (2, "import-row-missing", "text"),
        (3, "import-row-missing", "effective_date"),
        (4, "import-row-date", "1 января"),
        (5, "import-row-too-long", "text (2000)"),
    ]
    assert [line.line for line in parsed.lines] == [6]


# --- restrictions --------------------------------------------------------------------


def test_restrictions_parse() -> None:
    parsed = parse_restrictions(
        csv(RESTRICTIONS.replace(",", ";"), "1000000001;15.12.2026;5 000,00", bom=True)
    )
    assert parsed.refused == ()
    assert parsed.lines == (
        RestrictionLine(2, "1000000001", date(2026, 12, 15), Decimal("5000.00")),
    )


def test_bad_restriction_rows() -> None:
    parsed = parse_restrictions(
        csv(
            RESTRICTIONS,
            "1000000001,2026-12-15,5000",
            "ab,2026-12-15,5000",
            "1000000002,15-12-2026,5000",
            "1000000003,2026-12-15,пять",
            "1000000004,2026-12-15,0",
            "1000000005,2026-12-15,",
            "1000000001,2026-12-20,7000",
            "1000000006,2026-12-15,100",
        )
    )
    assert reasons(parsed) == [
        (3, "import-row-account", "ab"),
        (4, "import-row-date", "15-12-2026"),
        (5, "import-row-amount", "пять"),
        (6, "import-row-amount", "0"),
        (7, "import-row-missing", "amount"),
        (8, "import-row-duplicate", "2"),
    ]
    assert [line.account for line in parsed.lines] == ["1000000001", "1000000006"]


# --- files ---------------------------------------------------------------------------

PARSERS: dict[ImportKind, Callable[[bytes], Parsed[Any]]] = {
    ImportKind.DEBTS: parse_debts,
    ImportKind.OUTAGES: lambda raw: parse_outages(raw, MOSCOW),
    ImportKind.TARIFFS: parse_tariffs,
    ImportKind.RESTRICTIONS: parse_restrictions,
}


@pytest.mark.parametrize(
    ("kind", "header", "missing"),
    [
        (ImportKind.DEBTS, "account,amount,as_of", "due_date"),
        (ImportKind.OUTAGES, "settlement,street,houses,starts_at,ends_at", "kind, reason"),
        (ImportKind.TARIFFS, "text,date", "effective_date"),
        (ImportKind.RESTRICTIONS, "account;amount", "planned_date"),
    ],
)
def test_a_file_without_its_header_is_refused_as_a_whole(
    kind: ImportKind, header: str, missing: str
) -> None:
    with pytest.raises(ImportFileError) as error:
        PARSERS[kind](csv(header, "1,2,3"))
    assert error.value.reason == f"import-{kind.value}-header"
    assert error.value.detail == missing


@pytest.mark.parametrize("kind", list(ImportKind))
def test_a_file_not_in_utf8_or_empty_is_refused(kind: ImportKind) -> None:
    header = ",".join(COLUMNS[kind])
    with pytest.raises(ImportFileError) as error:
        PARSERS[kind](header.encode() + "\nИванов".encode("cp1251"))
    assert error.value.reason == "import-file-encoding"
    with pytest.raises(ImportFileError) as error:
        PARSERS[kind](b"")
    assert error.value.reason == "import-file-empty"


@pytest.mark.parametrize("kind", list(ImportKind))
def test_a_header_only_file_has_no_lines(kind: ImportKind) -> None:
    header = ";".join(COLUMNS[kind]).upper()
    assert PARSERS[kind](csv(header, "", ";;;", bom=True)) == Parsed((), ())


def test_every_refusal_key_has_a_russian_text(texts: Texts) -> None:
    source = (Path(__file__).resolve().parents[2] / "services" / "notice_import.py").read_text(
        encoding="utf-8"
    )
    keys = {
        *HEADER_ERRORS.values(),
        "import-row-columns",
        "import-row-missing",
        "import-row-account",
        "import-row-amount",
        "import-row-date",
        "import-row-datetime",
        "import-row-period",
        "import-row-houses",
        "import-row-outage-kind",
        "import-row-too-long",
        "import-row-duplicate",
        "import-file-encoding",
        "import-file-empty",
    }
    for key in keys:
        assert texts.has(key), key
        if key != "import-file-empty":
            assert "X" in texts.plain(key, detail="X"), key
    for key in HEADER_ERRORS.values():
        kind = ImportKind(key.split("-")[1])
        assert texts.plain(key, detail="X").endswith(",".join(COLUMNS[kind])), key
    for key in keys - {"import-row-columns", "import-file-encoding", "import-file-empty"}:
        assert f'"{key}"' in source, key
