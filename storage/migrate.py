"""Apply Alembic migrations from code: `reception migrate` and every start of the bot."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base
from storage.registry import SQLITE_SEARCH_TABLE

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(engine: AsyncEngine) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def drop_everything(engine: AsyncEngine) -> None:
    """Empty a throwaway database of every table the migrations make, so it can be migrated
    from scratch (tests and benches): the models' tables, Alembic's own, and those outside
    the models — SQLite's full-text search table (migration 0027_webpages), which outlives
    `drop_all` and makes the next upgrade fail."""
    async with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            await connection.execute(text(f"DROP TABLE IF EXISTS {SQLITE_SEARCH_TABLE}"))
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
