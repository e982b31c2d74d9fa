"""Shared fixtures. The database is SQLite in a temporary folder unless DATABASE_URL points
elsewhere (CI runs the suite a second time against the local PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.content import load_content
from storage.engine import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from storage.models import Base
from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
# A Tuesday morning in Moscow.
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)

_prepared: set[str] = set()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("DATABASE_URL")
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
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
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
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        content_dir=CONTENT,
        company_name=None,
        redis_url=None,
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
