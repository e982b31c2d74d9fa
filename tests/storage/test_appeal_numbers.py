"""Registration numbers under concurrency: no gaps, no duplicates (SPEC §2, §15.2)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from storage.appeal_numbers import next_sequence
from storage.uow import UnitOfWork


async def _take(sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock) -> int:
    uow = UnitOfWork(sessionmaker, clock=clock)
    try:
        number = await next_sequence(uow, 2026)
        await asyncio.sleep(0)  # let the others interleave inside their transactions
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise
    return number


async def test_200_concurrent_registrations_get_200_consecutive_numbers(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    numbers = await asyncio.gather(*(_take(sessionmaker, clock) for _ in range(200)))
    assert sorted(numbers) == list(range(1, 201))


async def test_a_rolled_back_registration_gives_its_number_back(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    assert await _take(sessionmaker, clock) == 1
    uow = UnitOfWork(sessionmaker, clock=clock)
    assert await next_sequence(uow, 2026) == 2
    await uow.rollback()
    assert await _take(sessionmaker, clock) == 2
    assert await _take(sessionmaker, clock) == 3


async def test_each_year_has_its_own_sequence(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    assert await next_sequence(uow, 2026) == 1
    assert await next_sequence(uow, 2027) == 1
    assert await next_sequence(uow, 2026) == 2
    await uow.commit()
