"""Acceptance 3 of issue 16: `reception migrate-data` moves a SQLite database with a row in
every table to PostgreSQL, and the bot runs on the result.

The source is made by the bot itself (a person starts it and consents) and then every table
still empty gets one row generated from its columns. The target is a PostgreSQL database
made for this test on 127.0.0.1 (`test_migrate_<pid>`) and dropped after it; without a
server on 127.0.0.1:5432 the test is skipped, unless REQUIRE_POSTGRES is set (CI).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli_ops import cmd_migrate_data, pg_dump_command, sqlite_backup
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.models import Base, UtcDateTime
from tests.harness import BotHarness

SERVER = os.environ.get("TEST_PG_SERVER", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


@pytest_asyncio.fixture
async def pg_url() -> AsyncIterator[str]:
    name = f"test_migrate_{os.getpid()}"
    admin = create_async_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, DBAPIError):
        await admin.dispose()
        if os.environ.get("REQUIRE_POSTGRES"):
            raise
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (CI sets REQUIRE_POSTGRES=1)")
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _value(table: Table, column: Any, moment: datetime) -> Any:
    """A value the column takes: 1 for keys and references (every parent has row 1)."""
    kind = column.type
    if column.primary_key and isinstance(kind, Integer):
        return 1
    if isinstance(kind, UtcDateTime | DateTime):
        return moment
    if isinstance(kind, Date):
        return moment.date()
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer | BigInteger | Float | Numeric):
        return 1
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, LargeBinary):
        return b"x"
    if isinstance(kind, String | Text):
        return "x"
    raise AssertionError(f"{table.name}.{column.name}: no generated value for {kind!r}")


async def _fill_every_table(url: str, moment: datetime) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                count = await connection.scalar(select(func.count()).select_from(table))
                if not count:
                    row = {c.name: _value(table, c, moment) for c in table.columns}
                    for column in table.columns:
                        for key in column.foreign_keys:  # the parent's first row
                            row[column.name] = await connection.scalar(
                                select(func.min(key.column))
                            )
                    await connection.execute(insert(table), [row])
            counts = {
                table.name: int(
                    await connection.scalar(select(func.count()).select_from(table)) or 0
                )
                for table in Base.metadata.sorted_tables
            }
    finally:
        await engine.dispose()
    return counts


async def test_a_sqlite_database_with_every_table_moves_to_postgresql_and_the_bot_runs(
    tmp_path: Path,
    pg_url: str,
    settings: Settings,
    clock: FixedClock,
    texts: Texts,
    content: ContentLibrary,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'source.db'}"
    engine = create_engine(source)
    await upgrade(engine)
    await engine.dispose()
    harness = await BotHarness.start(
        settings.with_values(database_url=source), clock=clock, texts=texts, content=content
    )
    try:
        replies = await harness.person(7_000_001).send("/start")
        assert replies
    finally:
        await harness.close()
    counts = await _fill_every_table(source, clock.now())
    assert all(counts.values()), counts

    assert await cmd_migrate_data(texts, source, pg_url, force=False, batch=2) == 0
    assert texts.plain("migrate-data-done", count=len(counts), rows=sum(counts.values())) in (
        capsys.readouterr().out
    )

    target = create_engine(pg_url)
    try:
        async with target.connect() as connection:
            moved = {
                table.name: int(
                    await connection.scalar(select(func.count()).select_from(table)) or 0
                )
                for table in Base.metadata.sorted_tables
            }
            # The sequences were moved past the copied ids: a new row takes the next one.
            highest = await connection.scalar(text("SELECT max(id) FROM outbox"))
            new_id = await connection.scalar(
                text(
                    "INSERT INTO outbox (chat_id, method, payload, urgent, status, attempts, "
                    "not_before, last_error, created_at) VALUES (1, 'send_message', '{}', "
                    "false, 'sent', 0, now(), '', now()) RETURNING id"
                )
            )
            await connection.rollback()
    finally:
        await target.dispose()
    assert moved == counts
    assert new_id > highest

    # A second run refuses the target that now has data, and changes nothing.
    assert await cmd_migrate_data(texts, source, pg_url, force=False) == 1
    assert "--force" in capsys.readouterr().out

    # The bot runs on the migrated database: the person is known, a new one is served.
    harness = await BotHarness.start(
        settings.with_values(database_url=pg_url), clock=clock, texts=texts, content=content
    )
    try:
        assert await harness.person(7_000_002).send("/start")
        assert await harness.person(7_000_001).send("/start")
    finally:
        await harness.close()


def test_a_sqlite_backup_is_a_consistent_copy_and_pg_dump_gets_the_url_parts(
    tmp_path: Path,
) -> None:
    import sqlite3

    database = tmp_path / "bot.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (x INTEGER)")
        connection.execute("INSERT INTO t VALUES (42)")
    sqlite_backup(database, tmp_path / "copy" / "bot.db")
    with sqlite3.connect(tmp_path / "copy" / "bot.db") as copy:
        assert copy.execute("SELECT x FROM t").fetchall() == [(42,)]

    command, environment = pg_dump_command(
        "postgresql+asyncpg://bot:s3cret@db.local:5433/reception", tmp_path / "dump"
    )
    assert command == [
        "pg_dump",
        "--format=custom",
        f"--file={tmp_path / 'dump'}",
        "--host=db.local",
        "--port=5433",
        "--username=bot",
        "reception",
    ]
    assert "s3cret" not in " ".join(command)
    assert environment == {"PGPASSWORD": "s3cret"}
