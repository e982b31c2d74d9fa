"""`reception web`: its help, and the refusals before it serves anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import run


def test_web_has_help() -> None:
    result = run("web", "--help")
    assert result.returncode == 0, result.stderr
    assert "--host" in result.stdout and "WEB_BASE_URL" in result.stdout


def test_web_without_a_token_explains_and_exits(tmp_path: Path) -> None:
    result = run(
        "web", env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", "BOT_TOKEN": ""}
    )
    assert result.returncode == 2
    assert "@BotFather" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("WEB_BASE_URL", "desk.example.ru"), ("WEB_SECRET", "short"), ("WEB_PORT", "0")],
)
def test_a_wrong_web_setting_stops_it_with_one_clear_line(name: str, value: str) -> None:
    result = run("web", env={name: value})
    assert result.returncode == 2
    assert name in result.stderr and "Traceback" not in result.stderr
