"""`reception import accounts|appeals` as staff run them: dry runs that count, an import
killed half-way finished by the next, a journal imported twice registered once (issue 11,
points 5 and 15)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import RECEPTION, ROOT, run

HEADER = (
    "account,full_name,settlement,street,house,flat,phone,email,category,"
    "meter_serial,meter_digits,meter_zones"
)


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}


def _accounts(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM accounts").fetchone()[0])


def test_import_accounts_dry_run_counts_what_it_would_add_and_update(
    db_env: dict[str, str],
) -> None:
    empty = run("import", "accounts", "examples/accounts.csv", "--dry-run", env=db_env)
    assert empty.returncode == 0, empty.stderr
    assert "Было бы добавлено: 4, обновлено: 0, отклонено строк: 0" in empty.stdout
    assert "ничего не записано" in empty.stdout
    assert run("import", "accounts", "examples/accounts.csv", env=db_env).returncode == 0
    again = run("import", "accounts", "examples/accounts.csv", "--dry-run", env=db_env)
    assert "Было бы добавлено: 0, обновлено: 4" in again.stdout


def test_an_import_killed_while_writing_is_finished_by_the_next_one(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    rows = [
        f"{6_000_000 + i},Holder {i},Town,Street,{i % 90 + 1},,,,household,M{i},6,1"
        for i in range(10_000)
    ]
    big.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    with subprocess.Popen(
        [RECEPTION, "import", "accounts", str(big)],
        env={**base, **db_env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as importer:
        assert importer.stderr is not None
        for line in importer.stderr:  # the first step has been applied: kill it now
            if "Записано счетов" in line:
                importer.send_signal(signal.SIGKILL)
                break
        importer.wait(timeout=60)
    assert importer.returncode == -signal.SIGKILL
    database = Path(db_env["DATABASE_URL"].split("///", 1)[1])
    applied = _accounts(database)
    assert 1_000 <= applied < 10_000  # half-way, each step whole

    second = run("import", "accounts", "examples/accounts.csv", env=db_env)
    assert second.returncode == 0, second.stderr
    assert "Сначала дописан прерванный прошлый импорт" in second.stdout
    assert "Добавлено: 4, обновлено: 0" in second.stdout
    assert _accounts(database) == 10_004


def test_import_appeals_twice_registers_the_journal_once(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    first = run("import", "appeals", "examples/appeals.csv", env=db_env)
    assert "Зарегистрировано обращений: 3" in first.stdout
    assert "ВЭ-2026-000001, ВЭ-2026-000002, ВЭ-2026-000003" in first.stdout

    again = run("import", "appeals", "examples/appeals.csv", env=db_env)
    assert again.returncode == 0, again.stderr
    assert "Зарегистрировано обращений: 0, отклонено строк: 3" in again.stdout
    assert "строка 2: эта строка уже загружена раньше: обращение ВЭ-2026-000001" in again.stdout
    assert "строка 4: эта строка уже загружена раньше: обращение ВЭ-2026-000003" in again.stdout

    lines = (ROOT / "examples" / "appeals.csv").read_text(encoding="utf-8").splitlines()
    repeated = tmp_path / "repeated.csv"
    # A new row, then the same row again with other spacing and letter case.
    new_row = (
        "2026-11-20 11:00,phone,complaint,power_quality,Белов Иван,phone,+79200000001,,"
        "Нет света во всём доме,,"
    )
    same_row = new_row.replace("Белов Иван", "белов  иван").replace("Нет света", "НЕТ  света")
    too_short = new_row.replace("Нет света во всём доме", "Нет")
    repeated.write_text(
        "\n".join([lines[0], too_short, new_row, same_row, too_short]), encoding="utf-8"
    )
    checked = run("import", "appeals", str(repeated), "--dry-run", env=db_env)
    assert "строка 2: Текст обращения слишком короткий" in checked.stdout
    assert "строка 4: повтор строки 3 этого файла" in checked.stdout
    assert "строка 5: Текст обращения слишком короткий" in checked.stdout
    assert "Было бы зарегистрировано обращений: 1, отклонено строк: 3" in checked.stdout
    assert "Номера получили бы: ВЭ-2026-000004\n" in checked.stdout  # a refused row takes none
    assert "ничего не зарегистрировано" in checked.stdout
    done = run("import", "appeals", str(repeated), env=db_env)
    assert "Зарегистрировано обращений: 1, отклонено строк: 3" in done.stdout
    assert "Номера: ВЭ-2026-000004\n" in done.stdout
