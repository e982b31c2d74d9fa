"""`reception run` when something it needs is wrong (issue 11, point 13): a refused token,
no Bot API, a database that cannot be opened. One line on stderr — what failed, what to
check — exit code 2, and nothing started: no traceback, no token, no password, no
scheduler, no database file. Two real `reception run` processes (a Bot API port that
refuses, one that answers 401); the other faults through the same code in this process.
And the settings file: `.env` in the working directory is read unless RECEPTION_ENV_FILE
switches it off, as the tests do (point 12)."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from bot.factory import build_bot
from bot.runner import run_polling
from bot.settings import ENV_FILE_VARIABLE, Settings, env_file
from bot.startup import StartupFault, check_bot_api
from core.texts import Texts
from tests.notifier.fake_bot_api import FakeBotApi
from tests.safety import FAKE_TOKEN, NOWHERE_API_URL, TEST_PD_KEY, subprocess_env

ROOT = Path(__file__).resolve().parent.parent
RECEPTION = str(Path(sys.executable).parent / "reception")
SECRET = "s3cret-pw"


def _closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _run(cwd: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    """`reception run` in `cwd`: its exit code and its stderr lines (stdout must be empty)."""
    process = await asyncio.create_subprocess_exec(
        RECEPTION,
        "run",
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert out.decode() == ""
    assert process.returncode is not None
    return process.returncode, [line for line in err.decode().splitlines() if line.strip()]


def _env(tmp_path: Path, api_url: str, **extra: str) -> dict[str, str]:
    values = {
        "TELEGRAM_API_URL": api_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}",
        "CONTENT_DIR": str(ROOT / "content"),
    }
    return subprocess_env(**{**values, **extra})


def _nothing_started(tmp_path: Path) -> None:
    """No database file, no scheduler store: the bot stopped before opening anything."""
    assert not (tmp_path / "data").exists()


@pytest_asyncio.fixture
async def api_answering() -> AsyncIterator[list[str]]:
    """A loopback Bot API whose every answer is the status put in the list (401 at first)."""
    status = ["401"]

    async def handle(request: web.Request) -> web.Response:
        code = int(status[0])
        body = {"ok": False, "error_code": code, "description": "Unauthorized"}
        return web.Response(text=json.dumps(body), status=code, content_type="application/json")

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    status.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        yield status
    finally:
        await runner.cleanup()


async def test_no_bot_api_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{_closed_port()}"
    code, lines = await _run(tmp_path, _env(tmp_path, api))
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("Запуск остановлен: нет связи с Telegram API")
    assert api in lines[0] and "TELEGRAM_API_URL" in lines[0]
    assert FAKE_TOKEN.split(":")[1] not in lines[0]
    _nothing_started(tmp_path)


async def test_a_refused_token_is_one_line_and_exit_code_2(
    tmp_path: Path, api_answering: list[str]
) -> None:
    code, lines = await _run(tmp_path, _env(tmp_path, api_answering[1]))
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("Запуск остановлен:") and "не принял токен" in lines[0]
    assert "BOT_TOKEN" in lines[0] and FAKE_TOKEN.split(":")[1] not in lines[0]
    _nothing_started(tmp_path)


async def test_a_dotenv_in_the_working_folder_is_not_read_by_the_tests(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=123456:from-dotenv\n", encoding="utf-8")
    code, lines = await _run(tmp_path, _env(tmp_path, NOWHERE_API_URL, BOT_TOKEN=""))
    assert code == 2 and "@BotFather" in "\n".join(lines)  # no token: the file was not read


def test_an_operator_s_dotenv_is_read_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=123456:from-dotenv\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert env_file() is None  # the tests switch it off (tests/safety.py)
    monkeypatch.delenv(ENV_FILE_VARIABLE)
    assert env_file() == Path(".env")
    settings = Settings(_env_file=env_file())
    assert settings.telegram.bot_token is not None
    assert settings.telegram.bot_token.get_secret_value() == "123456:from-dotenv"
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(tmp_path / "elsewhere.env"))
    assert Settings(_env_file=env_file()).telegram.bot_token is None


# The same checks in this process: every answer of the Bot API, and the database ------------


def _settings(api_url: str, database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=FAKE_TOKEN,
        telegram_api_url=api_url,
        database_url=database_url,
        content_dir=ROOT / "content",
        redis_url=None,
        pd_encryption_key=TEST_PD_KEY,  # a server database needs one (storage/crypto.py)
    )


@pytest.mark.parametrize(
    ("status", "key"),
    [
        ("401", "startup-token-rejected"),
        ("404", "startup-token-rejected"),
        ("502", "startup-api-error"),
        ("refused", "startup-api-unreachable"),
    ],
)
async def test_each_bot_api_fault_has_its_line(
    tmp_path: Path, texts: Texts, api_answering: list[str], status: str, key: str
) -> None:
    api_answering[0] = status if status != "refused" else "200"
    api = api_answering[1] if status != "refused" else f"http://127.0.0.1:{_closed_port()}"
    settings = _settings(api, f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}")
    bot = build_bot(settings)
    try:
        with pytest.raises(StartupFault) as fault:
            await check_bot_api(bot, api)
    finally:
        await bot.session.close()
    assert fault.value.key == key
    line = texts.plain(fault.value.key, **fault.value.values)
    assert "\n" not in line and api in line
    assert FAKE_TOKEN.split(":")[1] not in line
    if status == "502":
        assert "TelegramServerError" in line


@pytest.mark.parametrize("where", ["postgresql", "sqlite"])
async def test_a_database_that_cannot_be_opened_stops_run_before_anything_starts(
    tmp_path: Path, texts: Texts, where: str
) -> None:
    if where == "postgresql":
        database = f"postgresql+asyncpg://reception:{SECRET}@127.0.0.1:{_closed_port()}/test"
    else:
        (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
        database = f"sqlite+aiosqlite:///{tmp_path / 'not-a-folder' / 'bot.db'}"
    api = FakeBotApi(latency=0)
    api_url = await api.start()
    try:
        with pytest.raises(StartupFault) as fault:
            await run_polling(_settings(api_url, database), texts)
    finally:
        await api.close()
    assert fault.value.key == "startup-database-unreachable"
    line = texts.plain(fault.value.key, **fault.value.values)
    assert "\n" not in line and "DATABASE_URL" in line and SECRET not in line
    assert ("ConnectionRefusedError" if where == "postgresql" else "FileExistsError") in line
    # getMe was asked, nothing else: no commands set, nothing sent, no polling.
    assert api.attempts == [] and api.accepted == []
