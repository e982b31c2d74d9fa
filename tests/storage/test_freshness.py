"""The watch that tells a process another one has committed (storage/freshness.py), and the
caches it resets, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from storage.cache import MISSING, PersonCache
from storage.engine import create_engine
from storage.freshness import DataWatch, data_watch
from storage.models import ConsentRow, OutboxRow
from storage.uow import UnitOfWork

AT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def watch(engine: AsyncEngine) -> AsyncIterator[DataWatch]:
    started = data_watch(engine)
    await started.start()
    yield started
    await started.close()


async def _consent(engine: AsyncEngine, user_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(ConsentRow).values(
                user_id=user_id, decision="given", text_version="v1", decided_at=AT
            )
        )


async def test_only_another_processs_commit_is_news(
    engine: AsyncEngine, watch: DataWatch, database_url: str
) -> None:
    assert not await watch.changed()
    await _consent(engine, 1)  # this process's own write (its own engine)
    await watch.settle()
    assert not await watch.changed()
    other = create_engine(database_url)  # another process: connections of its own
    try:
        await _consent(other, 2)
    finally:
        await other.dispose()
    await watch.settle()
    assert await watch.changed()
    assert not await watch.changed()  # told once


async def test_a_write_by_another_process_to_a_table_nobody_caches_is_no_news_on_postgresql(
    engine: AsyncEngine, watch: DataWatch, database_url: str
) -> None:
    other = create_engine(database_url)
    try:
        async with other.begin() as connection:
            await connection.execute(
                insert(OutboxRow).values(
                    chat_id=1,
                    method="sendMessage",
                    payload={},
                    status="pending",
                    not_before=AT,
                    created_at=AT,
                )
            )
    finally:
        await other.dispose()
    await watch.settle()
    # SQLite cannot tell tables apart (any commit changes data_version); PostgreSQL's
    # triggers sit on the cached tables only.
    assert await watch.changed() is (engine.dialect.name == "sqlite")


async def test_a_read_begun_before_a_reset_is_not_kept(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    cache = PersonCache()
    uow = UnitOfWork(sessionmaker, clock=clock)
    epoch = cache.epoch  # a read from the database starts ...
    cache.reset()  # ... another process's write is noticed meanwhile ...
    cache.put(uow, ("consent", 5), None, epoch=epoch)  # ... and the old value comes back
    assert cache.get(uow, ("consent", 5)) is MISSING
    cache.put(uow, ("consent", 5), None, epoch=cache.epoch)
    assert cache.get(uow, ("consent", 5)) is None
    assert not cache.surely_empty(("consent", 6))  # who has rows is unknown after a reset


async def test_the_bots_own_writes_are_no_news(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, watch: DataWatch
) -> None:
    """Written as an update writes (deferred, sent with the commit): the next update must not
    drop the caches for it."""
    uow = UnitOfWork(sessionmaker, clock=clock)
    uow.defer(
        insert(ConsentRow),
        {"user_id": 3, "decision": "given", "text_version": "v1", "decided_at": AT},
        effect=True,
    )
    await uow.commit()
    await watch.settle()
    assert not await watch.changed()


class _ScanDuring:
    """A connection whose scan lets something happen in the middle of it."""

    def __init__(self, owners: dict[str, list[int]], during: Callable[[], None]) -> None:
        self._answers = list(owners.values())
        self._during = during

    async def scalars(self, _statement: object) -> list[int]:
        if len(self._answers) == 2:
            self._during()
        return self._answers.pop(0)


async def test_after_a_reset_the_scan_of_who_has_rows_is_made_again_without_losing_writes(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    empty: dict[str, list[int]] = {"consent": [], "links": [], "contacts": [], "failures": []}
    cache = PersonCache()
    assert await cache.warm_up(_ScanDuring(empty, lambda: None))  # type: ignore[arg-type]
    cache.reset()
    assert not cache.surely_empty(("consent", 8))
    # Someone consents here while the scan runs: the scan did not see the row yet.
    uow = UnitOfWork(sessionmaker, clock=clock)
    cache.written(uow, ("consent", 9), None)
    uow.mark_written()
    assert await cache.warm_up(_ScanDuring(empty, lambda: None))  # type: ignore[arg-type]
    await uow.commit()
    assert cache.surely_empty(("consent", 8))
    assert not cache.surely_empty(("consent", 9))
    # Another process writes during a scan: its result is not trusted.
    cache.reset()
    assert not await cache.warm_up(_ScanDuring(empty, cache.reset))  # type: ignore[arg-type]
    assert not cache.surely_empty(("consent", 8))


async def test_while_the_listener_is_lost_every_update_drops_the_caches_until_it_is_back(
    engine: AsyncEngine, watch: DataWatch
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL's notifications: SQLite asks the database itself")
    async with engine.begin() as connection:
        killed = await connection.scalar(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE "
                "'LISTEN%' AND application_name = current_setting('application_name')"
            )
        )
    assert killed
    told = []
    for _ in range(200):  # until the driver has read the end of the connection
        told.append(await watch.changed())
        if told[-1]:
            break
        await asyncio.sleep(0.02)
    assert told[-1]
    for _ in range(200):  # blind: told every time, until listening again
        if not await watch.changed():
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the listener never came back")
    other = create_engine(engine.url.render_as_string(hide_password=False))
    try:
        await _consent(other, 4)
    finally:
        await other.dispose()
    await watch.settle()
    assert await watch.changed()
