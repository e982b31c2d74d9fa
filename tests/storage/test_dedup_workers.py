"""Two workers handed the same update at once (Telegram's retry reached another worker): the
database lets exactly one of them store its effects (storage/dedup.py, docs/scaling.md)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.clock import FixedClock
from domain.consent import ConsentDecision, ConsentRecord
from domain.ids import UserId
from storage.engine import create_engine, create_sessionmaker, is_sqlite
from storage.models import ConsentRow, ProcessedUpdateRow
from storage.repositories import SqlConsents
from storage.uow import UnitOfWork


async def test_the_same_update_in_two_workers_at_once_is_stored_once(
    engine: AsyncEngine, database_url: str, clock: FixedClock
) -> None:
    if is_sqlite(database_url):
        pytest.skip("several workers run on PostgreSQL only (TEST_DATABASE_URL)")
    other = create_engine(database_url)  # the second worker's own engine and pool
    try:
        first = UnitOfWork(create_sessionmaker(engine), clock=clock, update_id=501)
        second = UnitOfWork(create_sessionmaker(other), clock=clock, update_id=501)
        for n, uow in enumerate((first, second)):
            record = ConsentRecord(UserId(7000 + n), ConsentDecision.GIVEN, "v1", clock.now())
            await SqlConsents(uow).record(record)
        # Both commit at once (the record is written with the effects, at commit): one wins,
        # the other's unique-key violation rolls its effects back before it said anything.
        results = await asyncio.gather(first.commit(), second.commit(), return_exceptions=True)
        assert sorted(type(r).__name__ for r in results) == ["DuplicateUpdate", "NoneType"]
    finally:
        await other.dispose()
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(ConsentRow)) == 1
        count = select(func.count()).select_from(ProcessedUpdateRow)
        assert await connection.scalar(count) == 1
