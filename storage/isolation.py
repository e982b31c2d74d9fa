"""One update at a time per person and chat, in one process (aiogram's event isolation).

aiogram's `SimpleEventIsolation` keeps an `asyncio.Lock` per key for ever (its own comment
says so: a million people who ever wrote leave a million locks) and enters it through an
`asynccontextmanager` generator at every update. Here a key's lock lives only while an
update of that key is being handled or waits, and entering it is two plain method calls.
With several workers the isolation is Redis's (bot/factory.py), not this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from types import TracebackType
from typing import Any

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # holders and waiters


class _Held:
    __slots__ = ("_entries", "_entry", "_key")

    def __init__(self, entries: dict[Hashable, _Entry], key: Hashable) -> None:
        self._entries = entries
        self._key = key

    async def __aenter__(self) -> None:
        entry = self._entries.get(self._key)
        if entry is None:
            entry = self._entries[self._key] = _Entry()
        entry.users += 1
        self._entry = entry
        try:
            await entry.lock.acquire()
        except BaseException:
            self._leave()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._entry.lock.release()
        self._leave()

    def _leave(self) -> None:
        entry = self._entry
        entry.users -= 1
        if not entry.users and self._entries.get(self._key) is entry:
            del self._entries[self._key]


class KeyedEventIsolation(BaseEventIsolation):
    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}

    def lock(self, key: StorageKey) -> Any:  # an async context manager, as aiogram's
        return _Held(self._entries, key)

    @property
    def held(self) -> int:
        """Keys with an update in hand or waiting (what stays in memory)."""
        return len(self._entries)

    async def close(self) -> None:
        self._entries.clear()
