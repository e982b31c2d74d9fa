"""The SQLite driver shim: statements, batches and commits run without a thread hop; when
SQLite is busy they wait in aiosqlite's thread, never on the event loop; batches atomic; and
the private parts of aiosqlite it relies on are still there."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import sqlite_driver
from storage.engine import is_sqlite
from storage.models import ProcessedUpdateRow
from storage.sqlite_driver import InlineConnection, _in_thread


@pytest.fixture
def sqlite_engine(engine: AsyncEngine, database_url: str) -> AsyncEngine:
    if not is_sqlite(database_url):
        pytest.skip("the shim is for SQLite; this run is on another database")
    return engine


async def _driver(connection: Any) -> InlineConnection:
    raw = (await connection.get_raw_connection()).driver_connection
    assert isinstance(raw, InlineConnection)
    return raw


def _count_hops(raw: InlineConnection, monkeypatch: pytest.MonkeyPatch) -> list[str]:
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
    after an upgrade of aiosqlite, the shim must be adapted (or aiosqlite kept at the version
    pinned in pyproject.toml)."""

    async def check() -> None:
        connection = aiosqlite.connect(":memory:")
        assert isinstance(getattr(connection, "_thread", None), threading.Thread), (
            "aiosqlite.Connection._thread (its worker thread) is gone: "
            "storage/sqlite_driver.connect sets it daemon before it starts"
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
                "runs what must wait for a lock in aiosqlite's thread with it"
            )
            in_thread = await execute(lambda: threading.get_ident())
            assert in_thread == connection._thread.ident, (
                "aiosqlite.Connection._execute(fn) no longer runs fn in aiosqlite's thread"
            )
        finally:
            await connection.close()

    asyncio.run(check())


async def test_a_select_with_its_rows_and_a_commit_make_no_hop(
    sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_engine.connect() as connection:
        raw = await _driver(connection)
        hops = _count_hops(raw, monkeypatch)
        rows = (
            await connection.execute(select(func.count()).select_from(ProcessedUpdateRow))
        ).all()
        assert rows == [(0,)]
        statement = str(insert(ProcessedUpdateRow).compile(dialect=sqlite_engine.dialect))
        await raw.batch_and_commit([(statement, [1, "2026-11-24 07:00:00.000000", None, 1])])
        await connection.commit()
        await connection.rollback()
        assert hops == []


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


# -- a database locked by another process ------------------------------------------------------


@pytest.fixture
async def locked(tmp_path: Path) -> AsyncIterator[tuple[InlineConnection, sqlite3.Connection]]:
    """The driver's connection, and another one holding SQLite's write lock."""
    path = str(tmp_path / "locked.db")
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    setup.commit()
    setup.close()
    driver = await sqlite_driver.connect(path, busy_timeout=2.0)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (v) VALUES ('other')")
    try:
        yield driver, other
    finally:
        if other.in_transaction:
            other.rollback()
        other.close()
        await driver.close()


async def _count(driver: InlineConnection) -> int:
    cursor = driver.cursor()
    await cursor.execute("SELECT count(*) FROM t")
    row = await cursor.fetchone()
    return int(row[0])


async def test_a_busy_database_is_waited_for_in_the_thread_not_on_the_loop(
    locked: tuple[InlineConnection, sqlite3.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    driver, other = locked
    hops = _count_hops(driver, monkeypatch)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    asyncio.get_running_loop().call_later(0.3, other.commit)
    try:
        batch = asyncio.create_task(
            driver.batch_and_commit(
                [("INSERT INTO t (v) VALUES (?)", ["a"]), ("INSERT INTO t (v) VALUES (?)", ["b"])]
            )
        )
        await asyncio.sleep(0.05)
        # Meanwhile the connection's other work queues behind the waiting batch, in order.
        assert not batch.done()
        count = await _count(driver)
        await batch
    finally:
        ticking.cancel()
    assert ticks >= 15  # the event loop ran on while SQLite waited ~0.3 s for the lock
    assert count == 3  # read after the batch: the other's row and both of the batch
    assert len(hops) == 2  # the batch, then the read queued behind it
    assert not driver.in_transaction
    assert await _count(driver) == 3
    assert len(hops) == 2  # nothing waits any more: back on the loop's thread


async def test_a_busy_statement_waits_in_the_thread_then_goes_on(
    locked: tuple[InlineConnection, sqlite3.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    driver, other = locked
    hops = _count_hops(driver, monkeypatch)
    asyncio.get_running_loop().call_later(0.2, other.commit)
    cursor = driver.cursor()
    await cursor.execute("INSERT INTO t (v) VALUES (?)", ["mine"])
    assert hops == ["run"]
    assert driver.in_transaction
    await driver.commit()
    assert await _count(driver) == 2


async def test_a_lock_held_past_the_busy_timeout_fails_as_before(
    locked: tuple[InlineConnection, sqlite3.Connection],
) -> None:
    driver, _other = locked
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await driver.batch_and_commit([("INSERT INTO t (v) VALUES (?)", ["late"])])
    assert not driver.in_transaction
    assert await _count(driver) == 0


async def test_a_long_read_comes_in_pages_without_a_hop_and_its_cursor_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pages` (the reports' register): one cursor, a page per step, on this thread; left
    early, its cursor is closed (the connection then reads and writes as ever)."""
    path = str(tmp_path / "pages.db")
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    setup.executemany("INSERT INTO t (v) VALUES (?)", [(f"v{i}",) for i in range(23)])
    setup.commit()
    setup.close()
    driver = await sqlite_driver.connect(path, busy_timeout=2.0)
    try:
        hops = _count_hops(driver, monkeypatch)
        sizes = [
            len(page) async for page in driver.pages("SELECT id, v FROM t ORDER BY id", [], 5)
        ]
        assert sizes == [5, 5, 5, 5, 3]
        pages = driver.pages("SELECT id FROM t WHERE id > ? ORDER BY id", [20], 2)
        assert await anext(pages) == [(21,), (22,)]
        await pages.aclose()
        await driver.batch_and_commit([("INSERT INTO t (v) VALUES (?)", ["after"])])
        rows = [row async for page in driver.pages("SELECT v FROM t", [], 100) for row in page]
        assert len(rows) == 24 and rows[-1] == ("after",)
        assert hops == []
    finally:
        await driver.close()
