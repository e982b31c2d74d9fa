"""Fixtures for the end-to-end tests against the Telegram Bot API emulator.

* ``emulator`` (session): one emulator for the whole run. Tests stay independent because all
  its storage is keyed by bot token and ``bot_token`` is unique per test.
* ``bot_token``: a fresh ``<digits>:<text>`` token.
* ``make_user``: creates :class:`EmulatorUser` objects for this test's bot; closed at teardown.
  ``make_user(first_name="Olga", chat=GroupChat(-1001234567890, "Staff"))`` is a member of a
  group (a staff supergroup); without ``chat`` the user is in a private chat with the bot.
* ``make_bot``: creates :class:`BotProcess` objects logging to the test's tmp dir; stopped at
  teardown (their log is printed when the test failed).

Every test collected under tests/e2e gets the ``e2e`` marker (deselect with ``-m "not e2e"``).
"""

from __future__ import annotations

import itertools
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import is_sqlite
from tests.safety import subprocess_env

from .client import NODE_MODULES, BotProcess, Emulator, EmulatorUser, node_executable

E2E_DIR = Path(__file__).resolve().parent


class UserFactory(Protocol):
    def __call__(
        self,
        user_id: int | None = None,
        first_name: str = "Alice",
        chat_id: int | None = None,
        **options: Any,
    ) -> EmulatorUser: ...


BotFactory = Callable[..., BotProcess]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end test against the Telegram Bot API emulator (needs Node)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The running emulator (skipped without Node; an error without its node_modules)."""
    node = node_executable()
    if node is None:
        pytest.skip("e2e tests need Node.js: `node` is not on PATH")
    if not (NODE_MODULES / "telegram-test-api").is_dir():
        pytest.fail(
            f"{NODE_MODULES} is missing: run `npm ci --prefix tests/e2e/emulator` first",
            pytrace=False,
        )
    log_path = tmp_path_factory.mktemp("emulator") / "emulator.log"
    server = Emulator(node=node, log_path=log_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


_token_ids = itertools.count(1)
_user_ids = itertools.count(10_001)


@pytest.fixture
def bot_token() -> str:
    """A token unique to this test: the emulator keeps each bot's messages apart."""
    return f"{7_000_000_000 + next(_token_ids)}:E2E-{secrets.token_hex(12)}"


@pytest_asyncio.fixture
async def make_user(emulator: Emulator, bot_token: str) -> AsyncIterator[UserFactory]:
    """Factory of users talking to this test's bot; each gets a distinct id by default."""
    users: list[EmulatorUser] = []

    def factory(
        user_id: int | None = None,
        first_name: str = "Alice",
        chat_id: int | None = None,
        **options: Any,
    ) -> EmulatorUser:
        user = EmulatorUser(
            emulator.base_url,
            bot_token,
            next(_user_ids) if user_id is None else user_id,
            first_name,
            chat_id,
            **options,
        )
        users.append(user)
        return user

    try:
        yield factory
    finally:
        for user in users:
            await user.close()


@pytest.fixture
def make_bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BotFactory]:
    """Factory of bot subprocesses: ``make_bot(command, env=None, name="bot", cwd=None)``."""
    bots: list[BotProcess] = []

    def factory(
        command: Sequence[str],
        env: Mapping[str, str] | None = None,
        name: str = "bot",
        cwd: Path | None = None,
    ) -> BotProcess:
        bot = BotProcess(command, env, log_dir=tmp_path / "logs", name=name, cwd=cwd)
        bots.append(bot)
        return bot

    yield factory
    for bot in bots:
        bot.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for bot in bots:
            print(f"\n----- {bot.name} log ({bot.log_path}) -----\n{bot.log_text}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps each phase's report on the item so that fixtures can tell whether a test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# -- the bot of this project -----------------------------------------------------------------

ROOT = E2E_DIR.parents[1]
RECEPTION = str(Path(sys.executable).parent / "reception")


def _base_env() -> dict[str, str]:
    """No inherited settings, no `.env`, a fake token and a loopback Bot API (tests/safety.py);
    each test puts its emulator, token and database on top."""
    return subprocess_env()


@pytest.fixture
def bot_env(
    tmp_path: Path, emulator: Emulator, bot_token: str, engine: AsyncEngine, database_url: str
) -> dict[str, str]:
    """An empty database (the suite's PostgreSQL one, emptied by the `engine` fixture, or a
    SQLite file of its own) with the example registry imported, as staff would do."""
    if is_sqlite(database_url):
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    env = {
        "BOT_TOKEN": bot_token,
        "TELEGRAM_API_URL": emulator.base_url,
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(ROOT / "content"),
        "LOG_LEVEL": "DEBUG",
        "REDIS_URL": "",
        "FILES_DIR": str(tmp_path / "files"),  # the company's file storage, per test
        # The emulator enforces no group limit, and a busy staff chat's cards and edits may
        # otherwise wait up to a minute for the group's budget: a 6 s window keeps the flows
        # quick (the budget itself: tests/notifier/test_group_budget.py, on a fake clock).
        "OUTBOX_GROUP_WINDOW": "6",
    }
    imported = subprocess.run(
        [RECEPTION, "import", "accounts", str(ROOT / "examples" / "accounts.csv")],
        env={**_base_env(), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    return env


@pytest.fixture
def start_bot(make_bot: BotFactory, bot_env: dict[str, str]) -> Callable[[], BotProcess]:
    def start() -> BotProcess:
        bot = make_bot([RECEPTION, "run"], env={**_base_env(), **bot_env}, cwd=ROOT)
        bot.start()
        return bot

    return start
