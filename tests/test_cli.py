"""The `reception` command line, run as a person would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.safety import subprocess_env

ROOT = Path(__file__).resolve().parent.parent
RECEPTION = str(Path(sys.executable).parent / "reception")


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """`reception ARGS` in a subprocess that reads no `.env` and has a fake token and a
    loopback Bot API unless `env` says otherwise (tests/safety.py)."""
    return subprocess.run(
        [RECEPTION, *args],
        env=subprocess_env(**(env or {})),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("run",),
        ("migrate",),
        ("doctor",),
        ("import",),
        ("import", "accounts"),
        ("console",),
        ("content",),
        ("content", "check"),
    ],
)
def test_every_command_has_help(args: tuple[str, ...]) -> None:
    result = run(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: reception" in result.stdout


def test_missing_token_explains_botfather_and_console(db_env: dict[str, str]) -> None:
    result = run("run", env={**db_env, "BOT_TOKEN": ""})
    assert result.returncode == 2
    assert "@BotFather" in result.stderr and "reception console" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TIMEZONE", "Mars/Base"),
        ("DATABASE_URL", "mysql://x"),
        ("BOT_TOKEN", "not a token"),
        ("STAFF_CHAT_ID", "12345"),
        ("ADMIN_IDS", "1,two"),
        ("TELEGRAM_API_URL", "ftp://x"),
    ],
)
def test_an_invalid_setting_stops_start_up_with_one_clear_line(name: str, value: str) -> None:
    result = run("run", env={name: value})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("• ")]
    assert len(lines) == 1 and lines[0].startswith(f"• {name}")
    if name == "BOT_TOKEN":
        assert value not in result.stderr  # a secret is never echoed


def test_import_accounts_reports_added_updated_and_refused(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    first = run("import", "accounts", "examples/accounts.csv", env=db_env)
    assert first.returncode == 0, first.stderr
    assert "Добавлено: 4, обновлено: 0, отклонено строк: 0" in first.stdout
    bad = tmp_path / "bad.csv"
    lines = (ROOT / "examples" / "accounts.csv").read_text(encoding="utf-8").splitlines()
    lines.append("1000000009,Новиков,Выкса,Ленина,9,,,,space,,,")
    bad.write_text("\ufeff" + "\n".join(lines).replace(",", ";"), encoding="utf-8")
    second = run("import", "accounts", str(bad), env=db_env)
    assert second.returncode == 0, second.stderr
    assert "строка 7: категория «space»" in second.stdout
    assert "Добавлено: 0, обновлено: 4, отклонено строк: 1" in second.stdout
    assert "Записано счетов" in second.stderr  # progress


def test_import_refuses_a_file_with_a_wrong_header(db_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("number,name\n1,2\n", encoding="utf-8")
    result = run("import", "accounts", str(bad), env=db_env)
    assert result.returncode == 1
    assert "В заголовке нет столбцов" in result.stderr


def test_content_check_accepts_the_shipped_content_and_lists_problems(tmp_path: Path) -> None:
    ok = run("content", "check")
    assert ok.returncode == 0, ok.stderr
    assert "Справка в порядке" in ok.stdout
    (tmp_path / "index.yaml").write_text(
        "consent: {version: '1', file: consent.md}\n"
        "sections:\n"
        "  - {id: a, title: A, page: pages/missing.md}\n"
        "  - {id: a, title: B}\n",
        encoding="utf-8",
    )
    (tmp_path / "consent.md").write_text("text [link](../x.md)", encoding="utf-8")
    broken = run("content", "check", env={"CONTENT_DIR": str(tmp_path)})
    assert broken.returncode == 1
    assert "нет файла pages/missing.md" in broken.stderr
    assert "уже используется" in broken.stderr
    assert "ссылка «../x.md»" in broken.stderr
    assert "нет ни страницы" in broken.stderr


def test_migrate(db_env: dict[str, str]) -> None:
    result = run("migrate", env=db_env)
    assert result.returncode == 0, result.stderr
    assert "версии схемы" in result.stdout


def test_console_talks_to_the_same_bot_without_a_token(db_env: dict[str, str]) -> None:
    assert run("import", "accounts", "examples/accounts.csv", env=db_env).returncode == 0
    script = "\n".join(["/start", "1", "/accounts", "1", "1000000002", "Петров", "/mydata", ""])
    result = run("console", "--user-id", "555", env=db_env, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Согласие на обработку" in out or "согласие на их обработку" in out
    assert "[1] ✅ Согласен(на)" in out
    assert "Лицевой счёт № 1000000002 привязан" in out
    assert "Ваш идентификатор в Telegram: 555" in out
    assert "Traceback" not in result.stderr


def test_import_appeals_registers_a_paper_journal_with_numbers_and_answers(
    db_env: dict[str, str], tmp_path: Path
) -> None:
    """§15.2: phone, post and in-person appeals land in the same registry."""
    result = run("import", "appeals", "examples/appeals.csv", env=db_env)
    assert result.returncode == 0, result.stderr
    assert "Зарегистрировано обращений: 3, отклонено строк: 0" in result.stdout
    assert "ВЭ-2026-000001, ВЭ-2026-000002, ВЭ-2026-000003" in result.stdout
    bad = tmp_path / "bad.csv"
    header = (ROOT / "examples" / "appeals.csv").read_text(encoding="utf-8").splitlines()[0]
    bad.write_text(
        header
        + "\nвчера,phone,complaint,power_quality,Иванов,phone,+79200000000,,Текст жалобы,,\n"
        "2026-11-07 10:00,phone,complaint,grid_connection_x,Иванов,phone,+79200000000,,Текст,,\n",
        encoding="utf-8",
    )
    refused = run("import", "appeals", str(bad), env=db_env)
    assert "строка 2: не понял дату поступления «вчера»" in refused.stdout
    assert "строка 3: неизвестный код" in refused.stdout
    assert "Зарегистрировано обращений: 0, отклонено строк: 2" in refused.stdout
