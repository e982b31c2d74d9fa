from __future__ import annotations

import pytest
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from storage.fsm import DatabaseStorage
from storage.models import DialogStateRow
from storage.uow import UnitOfWork

KEY = StorageKey(bot_id=1, chat_id=7, user_id=7)
STEP = State("step", group_name="Demo")


async def test_state_and_data_survive_a_new_storage_instance(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    storage = DatabaseStorage(sessionmaker, clock=clock)
    uow = UnitOfWork(sessionmaker, clock=clock, update_id=1)
    token = uow.bind()
    await storage.set_state(KEY, STEP)
    await storage.update_data(KEY, {"number": "1000000001", "nested": {"a": [1, 2]}})
    await uow.commit()
    UnitOfWork.unbind(token)

    fresh = DatabaseStorage(sessionmaker, clock=clock)
    assert await fresh.get_state(KEY) == STEP.state
    assert await fresh.get_data(KEY) == {"number": "1000000001", "nested": {"a": [1, 2]}}


async def test_writes_of_a_failed_update_are_not_stored(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    storage = DatabaseStorage(sessionmaker, clock=clock)
    uow = UnitOfWork(sessionmaker, clock=clock, update_id=2)
    token = uow.bind()
    await storage.set_state(KEY, STEP)
    assert await storage.get_state(KEY) == STEP.state  # read-your-writes inside the update
    await uow.rollback()
    UnitOfWork.unbind(token)
    assert await storage.get_state(KEY) is None
    assert await DatabaseStorage(sessionmaker, clock=clock).get_state(KEY) is None


async def test_data_the_database_cannot_store_fails_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    storage = DatabaseStorage(sessionmaker, clock=clock)
    with pytest.raises(TypeError):
        await storage.set_data(KEY, {"when": object()})


async def test_clearing_deletes_the_row_and_erase_removes_every_chat_of_a_user(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    storage = DatabaseStorage(sessionmaker, clock=clock)
    other_chat = StorageKey(bot_id=1, chat_id=-100, user_id=7)
    await storage.set_state(KEY, STEP)  # outside an update: its own transaction
    await storage.set_state(other_chat, STEP)
    await storage.set_data(KEY, {})
    await storage.set_state(KEY, None)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(DialogStateRow)) == 1
    uow = UnitOfWork(sessionmaker, clock=clock)
    await storage.erase_user(uow, 7)
    await uow.commit()
    assert await storage.get_state(other_chat) is None
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(DialogStateRow)) == 0
