"""The SQLite driver shim: one hop per statement, none for an empty commit, batches atomic;
and the private parts of aiosqlite it relies on are still there."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import is_sqlite
from storage.models import ProcessedUpdateRow
from storage.sqlite_driver import OneHopConnection, _in_thread


@pytest.fixture
def sqlite_engine(engine: AsyncEngine, database_url: str) -> AsyncEngine:
    if not is_sqlite(database_url):
        pytest.skip("the shim is for SQLite; this run is on another database")
    return engine


async def _driver(connection: Any) -> OneHopConnection:
    raw = (await connection.get_raw_connection()).driver_connection
    assert isinstance(raw, OneHopConnection)
    return raw


def _count_hops(raw: OneHopConnection, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hops: list[str] = []
    inner = raw._inner
    original = _in_thread(inner)

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", repr(fn)))
        return await original(fn, *args, **kwargs)

    monkeypatch.setattr(inner, "_execute", counted)
    return hops


def test_aiosqlite_still_has_what_the_shim_uses() -> None:
    """storage/sqlite_driver.py uses three private attributes of aiosqlite. If this fails
    after an upgrade of aiosqlite, the shim must be adapted (or aiosqlite kept below the
    version pinned in pyproject.toml)."""

    async def check() -> None:
        connection = aiosqlite.connect(":memory:")
        assert isinstance(getattr(connection, "_thread", None), threading.Thread), (
            "aiosqlite.Connection._thread (its worker thread) is gone: "
            "storage/sqlite_driver.connect makes it a daemon before it starts"
        )
        await connection
        try:
            assert isinstance(getattr(connection, "_conn", None), sqlite3.Connection), (
                "aiosqlite.Connection._conn (the sqlite3 connection) is gone: "
                "storage/sqlite_driver.py runs statements on it"
            )
            execute = getattr(connection, "_execute", None)
            assert execute is not None, (
                "aiosqlite.Connection._execute(fn, *args) is gone: storage/sqlite_driver.py "
                "runs a whole statement in aiosqlite's thread with it"
            )
            in_thread = await execute(threading.get_ident)
            assert in_thread == connection._thread.ident, (
                "aiosqlite.Connection._execute(fn) no longer runs fn in aiosqlite's thread"
            )
        finally:
            await connection.close()

    asyncio.run(check())


async def test_a_select_with_its_rows_is_one_hop_and_an_empty_commit_none(
    sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_engine.connect() as connection:
        raw = await _driver(connection)
        hops = _count_hops(raw, monkeypatch)
        rows = (
            await connection.execute(select(func.count()).select_from(ProcessedUpdateRow))
        ).all()
        assert rows == [(0,)]
        assert len(hops) == 1
        await connection.commit()
        await connection.rollback()
        assert len(hops) == 1  # nothing was open: nothing to send


async def test_a_batch_is_atomic(sqlite_engine: AsyncEngine) -> None:
    statement = str(insert(ProcessedUpdateRow).compile(dialect=sqlite_engine.dialect))
    async with sqlite_engine.connect() as connection:
        raw = await _driver(connection)
        # update_id, processed_at, chat_id, answered
        good = (statement, [1, "2026-11-24 07:00:00.000000", None, 1])
        duplicate = (statement, [1, "2026-11-24 07:00:00.000000", None, 1])
        with pytest.raises(Exception, match="UNIQUE"):
            await raw.batch_and_commit([good, duplicate])
        assert not raw.in_transaction
        count = await connection.scalar(select(func.count()).select_from(ProcessedUpdateRow))
        assert count == 0
        await raw.batch_and_commit([good])
        count = await connection.scalar(select(func.count()).select_from(ProcessedUpdateRow))
        assert count == 1
