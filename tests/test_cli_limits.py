"""Imports with values longer than the registry holds (issue 11 point 4), run as a person
would run them, on the suite's database (PostgreSQL, which refuses a long value, when
DATABASE_URL says so): the row is refused with its line and the column's limit, the other
rows are imported, and nothing personal is printed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import AccountRow, AppealRow, MeterRow
from tests.test_cli import ROOT, run

ACCOUNTS_HEADER = (ROOT / "examples" / "accounts.csv").read_text(encoding="utf-8").splitlines()[0]
APPEALS_HEADER = (ROOT / "examples" / "appeals.csv").read_text(encoding="utf-8").splitlines()[0]
# What must never reach the terminal: the personal data of the refused rows.
NAME = "Секретова Анна Ивановна"
PHONE = "+79205551234"
EMAIL = "secretova@example.ru"


async def _count(engine: AsyncEngine, table: type) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


def _no_personal_data(output: str) -> None:
    assert NAME not in output and PHONE not in output and EMAIL not in output
    assert "Traceback" not in output


async def test_an_over_long_account_row_is_refused_and_the_others_are_imported(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    rows = [
        ACCOUNTS_HEADER,
        f"1000000101,{NAME},Выкса,ул. Ленина,1,,{PHONE},{EMAIL},household,M101,6,1",
        f"1000000102,{NAME},Выкса,{'ул. Длинная ' * 13},2,,{PHONE},{EMAIL},household,M102,6,1",
        f"1000000103,{NAME},Выкса,ул. Ленина,{'7' * 21},,{PHONE},{EMAIL},household,M103,6,1",
        f"1000000104,{NAME},Выкса,ул. Ленина,4,,{PHONE},{EMAIL},household,{'S' * 65},6,1",
        f"1000000105,{'Я' * 201},Выкса,ул. Ленина,5,,{PHONE},{EMAIL},household,M105,6,1",
        f"1000000106,{NAME},Выкса,ул. Ленина,6,,{PHONE},{EMAIL},household,M106,²,1",
        f"1000000107,{NAME},Выкса,ул. Ленина,7,,{PHONE},{EMAIL},household,M107\x00,6,1",
        f"1000000108,{NAME},Выкса,ул. Ленина,8,,{PHONE},{EMAIL},household,M108,6,1",
    ]
    path = tmp_path / "registry.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    result = run("import", "accounts", str(path), env={"DATABASE_URL": database_url})

    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    _no_personal_data(output)
    assert "строка 3: значение длиннее, чем помещается в реестр" in result.stdout
    assert "street (150)" in result.stdout
    assert "строка 4:" in result.stdout and "house (20)" in result.stdout
    assert "строка 5:" in result.stdout and "meter_serial (64)" in result.stdout
    assert "строка 6:" in result.stdout and "full_name (200)" in result.stdout
    assert "строка 7: разрядность счётчика «²»" in result.stdout
    assert "строка 8: в строке есть нулевой символ" in result.stdout
    assert "Добавлено: 2, обновлено: 0, отклонено строк: 6" in result.stdout
    assert await _count(engine, AccountRow) == 2
    assert await _count(engine, MeterRow) == 2


async def test_an_over_long_journal_row_is_refused_and_the_others_are_registered(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    text = "Прошу проверить напряжение в сети вечером."
    rows = [
        APPEALS_HEADER,
        f"2026-11-02 10:15,phone,complaint,power_quality,{NAME},phone,{PHONE},,{text},,",
        f'2026-11-03 10:15,post,complaint,power_quality,{NAME},post,"{"607060 Выкса " * 25}",,'
        f"{text},,",
        f'2026-11-04 10:15,post,complaint,power_quality,{NAME},phone,{PHONE},"{"д" * 301}",'
        f"{text},,",
        f"2026-11-05 10:15,phone,complaint,power_quality,{'Я' * 201},phone,{PHONE},,{text},,",
        f"0001-01-01 00:00,phone,complaint,power_quality,{NAME},phone,{PHONE},,{text},,",
        f"2026-11-06 10:15,phone,complaint,power_quality,{NAME},email,{EMAIL},,{text},,",
    ]
    path = tmp_path / "journal.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    result = run("import", "appeals", str(path), env={"DATABASE_URL": database_url})

    assert result.returncode == 0, result.stderr[-2000:]
    _no_personal_data(result.stdout + result.stderr)
    assert "строка 3:" in result.stdout and "contact (300)" in result.stdout
    assert "строка 4:" in result.stdout and "address (300)" in result.stdout
    assert "строка 5:" in result.stdout and "full_name (200)" in result.stdout
    assert "строка 6: не понял дату поступления «0001-01-01 00:00»" in result.stdout
    assert "Зарегистрировано обращений: 2, отклонено строк: 4" in result.stdout
    assert await _count(engine, AppealRow) == 2
