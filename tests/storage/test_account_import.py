"""The registry import that never locks the bot out (issue 11, point 5): staged whole, then
applied in short transactions, finished after an interruption; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.ids import AccountNumber
from services.account_import import StagedAccountImport, parse_registry
from services.csv_import import decode
from storage.account_import import SqlRegistryImports
from storage.engine import is_sqlite
from storage.models import AccountImportRow, AccountRow, MeterRow, StagedAccountRow
from storage.repositories import SqlAccountRegistry
from storage.uow import UnitOfWork

HEADER = (
    "account,full_name,settlement,street,house,flat,phone,email,category,"
    "meter_serial,meter_digits,meter_zones"
)


def registry(count: int, *, meters: int = 1, name: str = "Holder") -> bytes:
    rows = [HEADER] + [
        f"{5_000_000 + i},{name} {i},Town,Street,{i % 90 + 1},,,,household,S{i}-{m},6,1"
        for i in range(count)
        for m in range(meters)
    ]
    return "\n".join(rows).encode()


def importer(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, *, batch: int = 3
) -> StagedAccountImport:
    staged = StagedAccountImport(imports=SqlRegistryImports(sessionmaker, clock=clock))
    staged.APPLY_BATCH = batch
    staged.STAGE_BATCH = batch
    return staged


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_import_is_written_in_short_steps_and_reports_added_and_updated(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    steps: list[tuple[int, int]] = []
    first = await importer(sessionmaker, clock).run(
        registry(10), now=clock.now(), on_progress=lambda done, total: steps.append((done, total))
    )
    second = await importer(sessionmaker, clock).run(registry(12, meters=2), now=clock.now())
    assert (first.added, first.updated, second.added, second.updated) == (10, 0, 2, 10)
    assert steps == [(3, 10), (6, 10), (9, 10), (10, 10)]
    assert await count(sessionmaker, AccountRow) == 12
    assert await count(sessionmaker, MeterRow) == 24
    assert await count(sessionmaker, StagedAccountRow) == 0  # the stage is emptied as applied


async def test_a_dry_run_counts_what_would_be_added_and_updated_and_writes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    empty = await importer(sessionmaker, clock).run(registry(5), now=clock.now(), dry_run=True)
    assert (empty.accounts, empty.added, empty.updated, empty.dry_run) == (5, 5, 0, True)
    assert await count(sessionmaker, AccountRow) == 0
    assert await count(sessionmaker, AccountImportRow) == 0
    await importer(sessionmaker, clock).run(registry(3), now=clock.now())
    again = await importer(sessionmaker, clock).run(registry(5), now=clock.now(), dry_run=True)
    assert (again.added, again.updated) == (2, 3)


async def test_an_import_interrupted_while_applying_is_finished_by_the_next_one(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """A sealed run is applied whole: here its process "dies" after one batch of three."""
    store = SqlRegistryImports(sessionmaker, clock=clock)
    run = await store.begin()
    accounts = list(parse_registry(decode(registry(8, meters=2, name="New"))).accounts.values())
    await store.stage(run, accounts)
    await store.seal(run)
    batch = await store.apply_next(run, limit=3, now=clock.now())
    assert (batch.accounts, batch.finished) == (3, False)
    uow = UnitOfWork(sessionmaker, clock=clock)
    partly = await SqlAccountRegistry(uow).many(
        [AccountNumber(str(5_000_000 + i)) for i in range(8)]
    )
    await uow.close()
    # Each account applied so far came with all its meters; the rest are not there yet.
    assert sorted(partly) == ["5000000", "5000001", "5000002"]
    assert all(len(account.meters) == 2 for account in partly.values())

    report = await importer(sessionmaker, clock).run(registry(2, name="Newer"), now=clock.now())
    assert report.resumed == 5
    uow = UnitOfWork(sessionmaker, clock=clock)
    after = await SqlAccountRegistry(uow).many(
        [AccountNumber(str(5_000_000 + i)) for i in range(8)]
    )
    await uow.close()
    assert len(after) == 8
    # The interrupted run was finished first, then the new file applied over it.
    assert [after[AccountNumber(str(5_000_000 + i))].full_name for i in range(3)] == [
        "Newer 0",
        "Newer 1",
        "New 2",
    ]
    assert await count(sessionmaker, StagedAccountRow) == 0
    outcome = await store.outcome(run)
    assert (outcome.accounts, outcome.added, outcome.updated) == (8, 8, 0)


async def test_a_run_that_died_while_staging_changes_nothing_and_is_dropped_later(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    store = SqlRegistryImports(sessionmaker, clock=clock)
    run = await store.begin()
    accounts = list(parse_registry(decode(registry(4))).accounts.values())
    await store.stage(run, accounts[:2])  # ... and the process dies before sealing
    assert await store.sealed() == []
    await importer(sessionmaker, clock).run(registry(1), now=clock.now())
    assert await count(sessionmaker, AccountRow) == 1  # nothing of the dead run
    assert await count(sessionmaker, StagedAccountRow) == 2  # it may still be staging
    clock.advance(StagedAccountImport.ABANDONED_AFTER + timedelta(minutes=1))
    await importer(sessionmaker, clock).run(registry(1), now=clock.now())
    assert await count(sessionmaker, StagedAccountRow) == 0
    async with sessionmaker() as session:
        statuses = list(await session.scalars(select(AccountImportRow.status)))
    assert statuses == ["applied", "applied"]


async def test_between_two_steps_another_connection_can_write_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, database_url: str
) -> None:
    """No transaction stays open across steps: a writer that would not wait a millisecond
    (busy timeout 0) gets SQLite's write lock whenever the import reports progress."""
    if not is_sqlite(database_url):
        pytest.skip("SQLite's single write lock; PostgreSQL writers lock rows only")
    path = make_url(database_url).database
    assert path
    written: list[int] = []

    def write_now(done: int, total: int) -> None:
        with sqlite3.connect(path, timeout=0, isolation_level=None) as other:
            other.execute("PRAGMA busy_timeout=0")
            other.execute(
                "INSERT INTO link_failures (user_id, failed_at) "
                "VALUES (?, '2026-11-24 07:00:00.000000')",
                (done,),
            )
        written.append(done)

    await importer(sessionmaker, clock, batch=4).run(
        registry(10), now=clock.now(), on_progress=write_now
    )
    assert written == [4, 8, 10]
