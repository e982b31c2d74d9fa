"""What other processes commit is seen by this process's caches before its next update reads
them (issue 11, point 6).

The bot keeps per-process copies of what every update reads: consent, linked accounts (with
their registry data and meters), contacts and failed attempts (storage/cache.py), and the
dialog states (storage/fsm.py). They are exact for what this process writes itself. What
another process commits — `reception import accounts`, `reception console`, a second worker
— is noticed here, and every cache is then dropped and filled again from the database:

- SQLite: `PRAGMA data_version` on the bot's one pooled connection changes exactly when
  another connection has committed, never for its own commits. It is read once per update,
  before anything reads a cache (bot/middlewares.py, FreshCaches): one hop to the database
  thread, no transaction (bench/throughput.py measures what it costs).
- PostgreSQL: a statement trigger on every cached table sends `NOTIFY reception_data` with
  the writer's `application_name` (migration 0012), delivered when its transaction
  commits; each engine has a name of its own (storage/engine.py) and listens on a connection
  of its own, ignoring its own writes. Nothing is asked per update. A notification travels
  after the writer's commit returns (well under a millisecond on one host), so an update
  racing that commit may still read the cache once; `settle()` waits until the
  notifications of commits already made have arrived (tests use it). If the listening
  connection is lost, every update drops the caches until it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.sqlite_driver import OneHopConnection

logger = logging.getLogger(__name__)

CHANNEL = "reception_data"
# Tables whose rows some process keeps a copy of: migration 0012 puts the trigger on these.
CACHED_TABLES = (
    "consents",
    "people",
    "account_links",
    "link_failures",
    "accounts",
    "meters",
    "dialog_states",
)
RETRY_SECONDS = 5.0


class Resettable(Protocol):
    def reset(self) -> None:
        """Forget everything cached: what another process wrote may differ."""


class DataWatch(Protocol):
    async def start(self) -> None: ...

    async def changed(self) -> bool:
        """Has another process committed since the last call?"""
        ...

    async def settle(self) -> None:
        """Return once commits already made by others are noticed by `changed`."""
        ...

    async def close(self) -> None: ...


class SqliteDataVersion:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: OneHopConnection | None = None
        self._version: int | None = None
        # A new pooled connection (the old one was invalidated) has a data_version of its own.
        event.listen(engine.sync_engine, "connect", self._forget_connection)

    def _forget_connection(self, *_: Any) -> None:
        self._connection = None

    async def _attach(self) -> OneHopConnection:
        async with self._engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
        assert isinstance(raw, OneHopConnection)
        self._connection = raw
        return raw

    async def start(self) -> None:
        self._version = await (await self._attach()).data_version()

    async def changed(self) -> bool:
        connection = self._connection
        try:
            if connection is None:
                connection = await self._attach()
                self._version = None  # a new connection: whatever it shows is news
            version = await connection.data_version()
        except (ValueError, sqlite3.Error):  # closed under us: attach again next time
            self._connection = None
            return True
        changed = version != self._version
        self._version = version
        return changed

    async def settle(self) -> None:
        return None  # data_version is read per update: nothing is ever in flight

    async def close(self) -> None:
        event.remove(self._engine.sync_engine, "connect", self._forget_connection)
        self._connection = None


class PgNotifications:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._name = ""
        self._pending = False
        self._blind = True
        self._retry_at = 0.0
        self._restarting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        connection = await self._engine.connect()
        try:
            driver: Any = (await connection.get_raw_connection()).driver_connection
            # Straight on the driver: a transaction begun by SQLAlchemy would hold the
            # notifications back until it ended.
            self._name = str(await driver.fetchval("SELECT current_setting('application_name')"))
            await driver.add_listener(CHANNEL, self._notified)
            driver.add_termination_listener(self._lost)
        except BaseException:
            await connection.close()
            raise
        self._connection, self._driver = connection, driver
        self._blind = False

    def _notified(self, _connection: Any, _pid: int, _channel: str, writer: str) -> None:
        if writer != self._name:
            self._pending = True

    def _lost(self, _connection: Any) -> None:
        logger.warning("the connection listening for other processes' writes was lost")
        self._blind = True

    async def changed(self) -> bool:
        if self._blind:
            self._restart_later()
            return True
        changed, self._pending = self._pending, False
        return changed

    def _restart_later(self) -> None:
        now = time.monotonic()
        if self._restarting is not None and not self._restarting.done():
            return
        if now < self._retry_at:
            return
        self._retry_at = now + RETRY_SECONDS
        self._restarting = asyncio.create_task(self._restart(), name="data-watch-restart")

    async def _restart(self) -> None:
        await self._drop_connection()
        try:
            await self.start()
        except Exception as error:  # the database may still be away: retried later
            logger.warning("listening for others' writes failed: %s", type(error).__name__)
            return
        self._pending = True  # what happened while deaf is unknown

    async def settle(self) -> None:
        if self._driver is not None and not self._blind:
            # The server sends pending notifications before the answer to this query.
            await self._driver.fetchval("SELECT 1")

    async def _drop_connection(self) -> None:
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
                await connection.close()

    async def close(self) -> None:
        if self._restarting is not None:
            self._restarting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._restarting
        if self._driver is not None and not self._blind:
            with contextlib.suppress(Exception):
                await self._driver.remove_listener(CHANNEL, self._notified)
        self._blind = True
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            await connection.close()


def data_watch(engine: AsyncEngine) -> DataWatch:
    if engine.dialect.name == "sqlite":
        return SqliteDataVersion(engine)
    return PgNotifications(engine)


class FreshCaches:
    """The caches of one process and the watch that tells when to drop them."""

    def __init__(self, watch: DataWatch, caches: Sequence[Resettable]) -> None:
        self.watch = watch
        self._caches = tuple(caches)

    async def refresh(self) -> bool:
        """Drop every cache if another process has committed since the last call."""
        if not await self.watch.changed():
            return False
        for cache in self._caches:
            cache.reset()
        return True

    def reset(self) -> None:
        for cache in self._caches:
            cache.reset()
