"""Shared fixtures, and what keeps the run away from anything real (tests/safety.py):

- the bot's settings are removed from the environment and `.env` files are not read, by this
  process or by the `reception` subprocesses the tests start;
- the database is SQLite in a temporary folder unless TEST_DATABASE_URL names another
  throwaway one (a loopback PostgreSQL whose name contains "test"; CI runs the suite a
  second time against one); DATABASE_URL is ignored, whatever the shell exports;
- a connection to anything but loopback fails the test that tried it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.content import load_content
from storage.engine import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import drop_everything, upgrade
from storage.models import Base
from tests.harness import BotHarness
from tests.safety import (
    TEST_DATABASE_VARIABLE,
    TEST_PD_KEY,
    NetworkGuard,
    database_problem,
    scrub_environment,
)

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
# A Tuesday morning in Moscow.
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)

_prepared: set[str] = set()
GUARD = NetworkGuard()
_IGNORED = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Before anything is collected: a throwaway database or none, no inherited settings,
    no `.env`, loopback only."""
    configured = os.environ.get(TEST_DATABASE_VARIABLE)
    if configured:
        problem = database_problem(configured)
        if problem is not None:
            shown = make_url(configured).render_as_string(hide_password=True)
            raise pytest.UsageError(
                f"{TEST_DATABASE_VARIABLE}={shown} is refused: {problem}. The suite empties "
                "its database; point it at a throwaway one."
            )
    config.stash[_IGNORED] = scrub_environment(os.environ)
    GUARD.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    GUARD.uninstall()


def pytest_report_header(config: pytest.Config) -> list[str]:
    configured = os.environ.get(TEST_DATABASE_VARIABLE)
    where = (
        make_url(configured).render_as_string(hide_password=True)
        if configured
        else "SQLite in a temporary folder"
    )
    lines = [f"test database: {where} ({TEST_DATABASE_VARIABLE})"]
    ignored = config.stash.get(_IGNORED, [])
    if ignored:
        lines.append(f"ignored from the environment (the bot's settings): {', '.join(ignored)}")
    return lines


@pytest.fixture
def network_guard() -> NetworkGuard:
    """The session's guard, for the tests of the guard itself (take() what they provoked)."""
    return GUARD


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    """A test that tried to reach beyond loopback fails, even if the code swallowed it."""
    GUARD.take()
    yield
    refused = GUARD.take()
    if refused:
        pytest.fail("tried to leave loopback: " + "; ".join(refused[:5]), pytrace=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get(TEST_DATABASE_VARIABLE)
    if configured:
        return configured
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def texts() -> Texts:
    return Texts.load()


@pytest.fixture(scope="session")
def content() -> ContentLibrary:
    return load_content(CONTENT)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


async def _prepare(engine: AsyncEngine, url: str) -> None:
    """Once per run: an empty database migrated from scratch, so migrations are tested too."""
    if url in _prepared:
        return
    if not is_sqlite(url):
        await drop_everything(engine)
    await upgrade(engine)
    _prepared.add(url)


async def _truncate(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await _prepare(engine, database_url)
    await _truncate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        content_dir=CONTENT,
        company_name=None,
        redis_url=None,
        pd_encryption_key=TEST_PD_KEY,  # a server database needs one (storage/crypto.py)
        files_dir=tmp_path / "files",  # the company's file storage (services/files.py)
    )


@pytest_asyncio.fixture
async def harness(
    engine: AsyncEngine,
    settings: Settings,
    clock: FixedClock,
    texts: Texts,
    content: ContentLibrary,
) -> AsyncIterator[BotHarness]:
    bot_harness = await BotHarness.start(settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


@pytest.fixture
def registry_csv() -> bytes:
    return (ROOT / "examples" / "accounts.csv").read_bytes()
