"""What other processes commit is seen by this process's caches before its next update reads
them (issue 11, point 6).

The bot keeps per-process copies of what every update reads: consent, linked accounts (with
their registry data and meters), contacts and failed attempts (storage/cache.py), and the
dialog states (storage/fsm.py). They are exact for what this process writes itself. What
another process commits — `reception import accounts`, `reception console`, a second worker
— is noticed here, and every cache is then dropped and filled again from the database:

- SQLite: `PRAGMA data_version` on the bot's one pooled connection changes exactly when
  another connection has committed, never for its own commits. Before each update, before
  anything reads a cache (bot/middlewares.py, FreshCachesMiddleware), the watch looks at the
  WAL-index header and asks data_version only if someone committed since it last looked
  (SqliteDataVersion).
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
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.sqlite_driver import InlineConnection, Observation

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
    """`PRAGMA data_version` of the bot's one pooled connection, asked only when needed.

    Asking costs a statement; most updates need not ask. Every commit, by
    any connection, changes the WAL-index header at the start of the `-shm` file (its change
    counter; sqlite.org/walformat.html), which a `pread` reads in a microsecond. The watch
    keeps the header and the data_version it last saw together, the header read first: if
    the header is the same now, nobody has committed since, and there is nothing to ask.
    The bot's own commits report both right after the COMMIT (storage/sqlite_driver.py), so
    they do not make the next update ask either. A header that cannot be read, or is being
    written (its two copies differ), means asking.
    """

    HEADER = 48  # one copy of the WAL-index header; the file holds two, one after the other

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        database = engine.url.database
        self._shm = f"{database}-shm" if database and database != ":memory:" else None
        self._fd: int | None = None
        self._connection: InlineConnection | None = None
        self._header: bytes | None = None
        self._version: int | None = None
        self._pending = False
        # A new pooled connection (the old one was invalidated) has a data_version of its own.
        event.listen(engine.sync_engine, "connect", self._forget_connection)

    def _forget_connection(self, *_: Any) -> None:
        self._connection = None

    def _read_header(self) -> bytes | None:
        if self._fd is None:
            return None
        try:
            both = os.pread(self._fd, 2 * self.HEADER, 0)
        except OSError:
            return None
        first = both[: self.HEADER]
        if len(both) < 2 * self.HEADER or first != both[self.HEADER :]:
            return None
        return first

    def _observed(self, observation: Observation) -> None:
        header, version = observation
        if version != self._version:
            self._pending = self._version is not None or self._pending
            self._version = version
        self._header = header

    async def _attach(self) -> InlineConnection:
        async with self._engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
        assert isinstance(raw, InlineConnection)
        if self._fd is None and self._shm is not None:
            with contextlib.suppress(OSError):
                self._fd = os.open(self._shm, os.O_RDONLY)
        raw.read_header = self._read_header
        raw.observer = self._observed
        self._connection = raw
        return raw

    async def start(self) -> None:
        connection = await self._attach()
        self._version = None
        self._observed(await connection.observe())
        self._pending = False

    async def changed(self) -> bool:
        connection = self._connection
        try:
            if connection is None:
                connection = await self._attach()
                self._pending = True  # a new connection: what happened meanwhile is unknown
                self._observed(await connection.observe())
            else:
                header = self._read_header()
                if header is None or header != self._header:
                    self._observed(await connection.observe())
        except (ValueError, sqlite3.Error):  # closed under us: attach again next time
            self._connection = None
            return True
        changed, self._pending = self._pending, False
        return changed

    async def settle(self) -> None:
        return None  # asked per update: nothing is ever in flight

    async def close(self) -> None:
        if event.contains(self._engine.sync_engine, "connect", self._forget_connection):
            event.remove(self._engine.sync_engine, "connect", self._forget_connection)
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.observer = None
            connection.read_header = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


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
        if self._driver is not None:
            self._driver.remove_termination_listener(self._lost)
            if not self._blind:
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
    """The caches of one process, the watch that tells when to drop them, and the scan that
    warms them up again (`rewarm`, which returns False if it was outdated before it ended):
    run once other processes have been quiet for QUIET_SECONDS, so that a long import does
    not have it run after every one of its steps."""

    QUIET_SECONDS = 2.0

    def __init__(
        self,
        watch: DataWatch,
        caches: Sequence[Resettable],
        *,
        rewarm: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.watch = watch
        self._caches = tuple(caches)
        self._rewarm = rewarm
        self._last_reset = 0.0
        self._rewarming: asyncio.Task[None] | None = None

    async def refresh(self) -> bool:
        """Drop every cache if another process has committed since the last call."""
        if not await self.watch.changed():
            return False
        self.reset()
        return True

    def reset(self) -> None:
        for cache in self._caches:
            cache.reset()
        self._last_reset = time.monotonic()
        if self._rewarm is not None and (self._rewarming is None or self._rewarming.done()):
            self._rewarming = asyncio.create_task(self._rewarm_when_quiet(), name="rewarm")

    async def _rewarm_when_quiet(self) -> None:
        assert self._rewarm is not None
        while True:
            quiet_at = self._last_reset + self.QUIET_SECONDS
            now = time.monotonic()
            if now < quiet_at:
                await asyncio.sleep(quiet_at - now)
                continue
            try:
                if await self._rewarm():
                    return
            except Exception as error:  # the caches work without it, only slower
                logger.warning("warming the caches up again failed: %s", type(error).__name__)
                return

    async def close(self) -> None:
        if self._rewarming is not None:
            self._rewarming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._rewarming
        await self.watch.close()
