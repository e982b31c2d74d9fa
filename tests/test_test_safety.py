"""The test run stays on this machine and off real data (issue 11, point 12; tests/safety.py):
no setting of the bot inherited from the shell, no `.env`, no connection beyond loopback,
and a database that is clearly a throwaway one — an exported DATABASE_URL is neither used
nor emptied."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, insert, select

from bot.settings import ENV_FILE_VARIABLE, env_names
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.models import ConsentRow
from tests.conftest import NOW, pytest_configure
from tests.safety import (
    TEST_DATABASE_VARIABLE,
    NetworkGuard,
    NonLoopbackRefused,
    database_problem,
    scrub_environment,
)

ROOT = Path(__file__).resolve().parent.parent


# The network -------------------------------------------------------------------------------


def test_a_connection_beyond_loopback_is_refused_and_recorded(
    network_guard: NetworkGuard,
) -> None:
    with socket.socket() as sock, pytest.raises(NonLoopbackRefused):
        sock.connect(("203.0.113.7", 443))  # TEST-NET-3: nothing would answer anyway
    with pytest.raises(NonLoopbackRefused):
        socket.create_connection(("api.telegram.org", 443), timeout=1)
    with pytest.raises(NonLoopbackRefused):
        socket.getaddrinfo("example.org", 80)
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(NonLoopbackRefused):
        sock.connect_ex(("2001:db8::1", 443, 0, 0))
    assert network_guard.take() == [
        "connect ('203.0.113.7', 443)",
        "look up 'api.telegram.org'",
        "look up 'example.org'",
        "connect ('2001:db8::1', 443, 0, 0)",
    ]


async def test_the_bot_api_client_cannot_reach_telegram(network_guard: NetworkGuard) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises((NonLoopbackRefused, aiohttp.ClientError)):
            await session.get("https://api.telegram.org/bot1:x/getMe")
    assert network_guard.take() == ["look up 'api.telegram.org'"]


async def test_loopback_stays_open(network_guard: NetworkGuard) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        for host in ("127.0.0.1", "localhost"):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"ping\n")
            assert await reader.readline() == b"ping\n"
            writer.close()
            await writer.wait_closed()
    finally:
        server.close()
        await server.wait_closed()
    assert network_guard.take() == []


# The environment ---------------------------------------------------------------------------


def test_no_setting_of_the_bot_is_inherited_and_no_dotenv_is_read() -> None:
    names = env_names()
    assert [key for key in os.environ if key.lower() in names] == []
    assert os.environ[ENV_FILE_VARIABLE] == ""


def test_scrubbing_removes_the_settings_in_any_case_and_keeps_the_rest() -> None:
    environ = {"DATABASE_URL": "x", "bot_token": "1:y", "Staff_Chat_Id": "-1", "PATH": "/bin"}
    assert scrub_environment(environ) == ["DATABASE_URL", "Staff_Chat_Id", "bot_token"]
    assert environ == {"PATH": "/bin", ENV_FILE_VARIABLE: ""}


# The database ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("sqlite+aiosqlite:////tmp/pytest-of-x/db/test.db", False),
        ("sqlite+aiosqlite:///data/reception.db", True),
        ("sqlite+aiosqlite:////var/lib/reception/test.db", True),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/test", False),
        ("postgresql+asyncpg://postgres@localhost/reception_test", False),
        ("postgresql+asyncpg://postgres@[::1]/test_h5", False),
        ("postgresql+asyncpg://postgres@/test", False),  # a Unix socket
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/reception", True),
        ("postgresql+asyncpg://postgres@db.example.ru/test", True),
        ("postgresql+asyncpg://postgres@10.0.0.5/test", True),
        ("mysql://x@127.0.0.1/test", True),
    ],
)
def test_only_a_throwaway_database_is_accepted(url: str, refused: bool) -> None:
    assert (database_problem(url) is not None) is refused


def _pytest(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def _consents(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(ConsentRow)) or 0)
    finally:
        await engine.dispose()


async def test_an_exported_database_url_is_neither_used_nor_emptied(tmp_path: Path) -> None:
    precious = f"sqlite+aiosqlite:///{tmp_path / 'reception.db'}"
    engine = create_engine(precious)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(
                insert(ConsentRow).values(
                    user_id=1, decision="given", text_version="v1", decided_at=NOW
                )
            )
    finally:
        await engine.dispose()
    env = {k: v for k, v in os.environ.items() if k != TEST_DATABASE_VARIABLE}
    env["DATABASE_URL"] = precious
    # A test that empties its database before it runs.
    result = await asyncio.to_thread(
        _pytest, env, "tests/storage/test_notice_recipients.py", "-k", "nobody and topic"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert await _consents(precious) == 1


def test_a_run_on_a_database_that_is_not_a_throwaway_one_stops_at_once(
    monkeypatch: pytest.MonkeyPatch, pytestconfig: pytest.Config
) -> None:
    url = "postgresql+asyncpg://postgres:pw@127.0.0.1:5432/reception"
    monkeypatch.setenv(TEST_DATABASE_VARIABLE, url)
    with pytest.raises(pytest.UsageError) as refused:
        pytest_configure(pytestconfig)
    assert str(refused.value).startswith(
        f"{TEST_DATABASE_VARIABLE}=postgresql+asyncpg://postgres:***@127.0.0.1:5432/reception "
        "is refused: the PostgreSQL database's name must contain 'test'"
    )
