from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.ids import AccountNumber
from services.account_import import AccountImportService, parse_registry
from services.csv_import import ImportFileError, decode
from tests.fakes import FakeRegistry

HEADER = (
    "account,full_name,settlement,street,house,flat,phone,email,category,"
    "meter_serial,meter_digits,meter_zones"
)
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def test_example_file_parses(registry_csv: bytes) -> None:
    parsed = parse_registry(decode(registry_csv))
    assert parsed.refused == []
    assert len(parsed.accounts) == 4
    assert [m.serial for m in parsed.accounts[AccountNumber("1000000003")].meters] == [
        "033456789",
        "033456790",
    ]


def test_bom_and_semicolons_are_accepted() -> None:
    text = HEADER.replace(",", ";") + "\n1001;Иванов И И;Выкса;Ленина;1;;;;household;M1;6;2\n"
    parsed = parse_registry(decode(("\ufeff" + text).encode("utf-8")))
    assert list(parsed.accounts) == ["1001"]
    assert parsed.accounts[AccountNumber("1001")].meters[0].zones == 2


def test_bad_rows_are_refused_with_their_line_and_good_rows_go_on() -> None:
    rows = [
        HEADER,
        "1001,Иванов И И,Выкса,Ленина,1,,,,household,M1,6,2",
        ",Без номера,Выкса,Ленина,1,,,,household,M2,6,1",
        "1002,Петров,Выкса,Ленина,2,,,,alien,M3,6,1",
        "1003,Сидоров,Выкса,Ленина,3,,,not-an-email,household,M4,6,1",
        "1004,Орлов,Выкса,Ленина,4,,,,household,M5,6,4",
        "1001,Другой Человек,Выкса,Ленина,1,,,,household,M6,6,1",
        "1001,Иванов И И,Выкса,Ленина,1,,,,household,M1,6,2",
        "1005,Козлов,Выкса,Ленина,5",
    ]
    parsed = parse_registry("\n".join(rows))
    assert [(r.line, r.reason) for r in parsed.refused] == [
        (3, "import-row-missing"),
        (4, "import-row-category"),
        (5, "import-row-email"),
        (6, "import-row-meter-zones"),
        (7, "import-row-holder"),
        (8, "import-row-meter-duplicate"),
        (9, "import-row-columns"),
    ]
    assert list(parsed.accounts) == ["1001"]


def test_a_file_without_the_header_is_refused_as_a_whole() -> None:
    with pytest.raises(ImportFileError) as error:
        parse_registry("account,name\n1,2\n")
    assert error.value.reason == "import-file-header"
    assert "full_name" in error.value.detail


def test_a_file_not_in_utf8_is_refused() -> None:
    with pytest.raises(ImportFileError) as error:
        decode(HEADER.encode() + "\nИванов".encode("cp1251"))
    assert error.value.reason == "import-file-encoding"


async def test_reimport_updates_in_place(registry_csv: bytes) -> None:
    registry = FakeRegistry()
    service = AccountImportService(registry=registry)
    first = await service.import_registry(registry_csv, now=NOW)
    second = await service.import_registry(registry_csv, now=NOW)
    assert (first.added, first.updated) == (4, 0)
    assert (second.added, second.updated) == (0, 4)


async def test_dry_run_writes_nothing_and_counts_what_would_happen(registry_csv: bytes) -> None:
    registry = FakeRegistry()
    service = AccountImportService(registry=registry)
    report = await service.import_registry(registry_csv, now=NOW, dry_run=True)
    assert report.accounts == 4 and registry.accounts == {}
    assert (report.added, report.updated) == (4, 0)
    await service.import_registry(registry_csv, now=NOW)
    again = await service.import_registry(registry_csv, now=NOW, dry_run=True)
    assert (again.added, again.updated) == (0, 4)
