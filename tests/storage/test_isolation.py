"""One update at a time per key; a key's lock is gone once nobody holds or waits for it."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey

from storage.isolation import KeyedEventIsolation


def _key(user_id: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=user_id, user_id=user_id)


async def test_updates_of_one_key_run_one_at_a_time_in_arrival_order() -> None:
    isolation = KeyedEventIsolation()
    order: list[str] = []

    async def handle(name: str) -> None:
        async with isolation.lock(_key(7)):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(handle("a"), handle("b"), handle("c"))
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert isolation.held == 0


async def test_other_keys_do_not_wait() -> None:
    isolation = KeyedEventIsolation()
    inside = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> None:
        async with isolation.lock(_key(1)):
            inside.set()
            await release.wait()

    task = asyncio.create_task(slow())
    await inside.wait()
    async with isolation.lock(_key(2)):
        assert isolation.held == 2
    release.set()
    await task
    assert isolation.held == 0


async def test_a_waiter_cancelled_or_a_failing_handler_leaves_nothing_behind() -> None:
    isolation = KeyedEventIsolation()
    inside = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with isolation.lock(_key(5)):
            inside.set()
            await release.wait()

    async def waiter() -> None:
        async with isolation.lock(_key(5)):
            raise AssertionError("never entered")

    held = asyncio.create_task(holder())
    await inside.wait()
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await held
    with pytest.raises(ValueError, match="boom"):
        async with isolation.lock(_key(5)):
            raise ValueError("boom")
    assert isolation.held == 0
    async with isolation.lock(_key(5)):  # and the key still works
        pass
