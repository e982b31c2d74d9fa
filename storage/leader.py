"""Which process runs the singletons (the outbox sender, the scheduler, the notice fan-out):
one elected among the workers, by a PostgreSQL advisory lock (docs/scaling.md).

Every worker keeps one connection of its own to the database, outside the pool. The leader
is the one whose connection holds the session-level advisory lock `LOCK_KEY`; the others
try to take it every `retry` seconds. The lock lives exactly as long as the holder's
connection: a process that dies (SIGKILL, OOM, power) has its socket closed by the kernel,
the server ends the session at once and a follower takes the lock at its next try. A host
that vanishes without closing its socket is noticed by the server's TCP keepalives
(`_KEEPALIVES`: about 11 s); the vanished leader stops its singletons itself as soon as its
heartbeat (`SELECT 1` every `heartbeat` seconds, answered within `lease - heartbeat`) fails,
which is always earlier than that, so two leaders never overlap.

The same connection carries the wake-ups: a worker that queued something (an outbox row, a
notice, a file) sends `NOTIFY reception_wake, '<kind>'`; the leader listens and wakes the
singleton concerned at once instead of at its next poll. A wake-up lost (no connection at
that moment) costs only latency: every singleton also polls.

With SQLite there is one process, and it is always the leader (`SoleLeader`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

# "RECP" in ASCII: the advisory lock of the leader (advisory locks are per database).
LOCK_KEY = 0x52454350
WAKE_CHANNEL = "reception_wake"
WAKE_KINDS = frozenset({"outbox", "notices", "files"})
# The server drops a connection whose peer is gone after ~5 + 3 x 2 s (Linux keepalives).
_KEEPALIVES = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
}

Callback = Callable[[], Awaitable[None]]


@dataclass
class LeaderStatus:
    """What a worker knows of the election; readable by metrics and health checks."""

    pid: int = field(default_factory=os.getpid)
    is_leader: bool = False
    # time.monotonic() of the last election won and of the last good heartbeat.
    since: float | None = None
    last_heartbeat: float | None = None
    terms: int = 0  # elections this process has won
    connected: bool = False


class Election(Protocol):
    status: LeaderStatus

    def is_leader(self) -> bool: ...

    def signal(self, kind: str) -> None:
        """Something of `kind` (WAKE_KINDS) was queued: wake the leader's singleton."""

    async def run(
        self,
        stop: asyncio.Event,
        *,
        on_elected: Callback,
        on_deposed: Callback,
        on_wake: Callable[[str], None],
    ) -> None:
        """Take part until `stop`; `on_elected`/`on_deposed` start and stop the singletons,
        `on_wake(kind)` is called in the leader for every wake-up."""


class SoleLeader:
    """One process (SQLite, or `reception run`'s polling): always the leader."""

    def __init__(self) -> None:
        self.status = LeaderStatus()
        self._on_wake: Callable[[str], None] | None = None

    def is_leader(self) -> bool:
        return self.status.is_leader

    def signal(self, kind: str) -> None:
        if self._on_wake is not None and self.status.is_leader:
            self._on_wake(kind)

    async def run(
        self,
        stop: asyncio.Event,
        *,
        on_elected: Callback,
        on_deposed: Callback,
        on_wake: Callable[[str], None],
    ) -> None:
        self._on_wake = on_wake
        self.status.is_leader = True
        self.status.since = time.monotonic()
        self.status.terms += 1
        try:
            await on_elected()
            await stop.wait()
        finally:
            self.status.is_leader = False
            await on_deposed()


def asyncpg_dsn(database_url: str) -> str:
    """The libpq form of a `postgresql+asyncpg://` URL, for a connection outside the pool."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


Connect = Callable[..., Awaitable[Any]]


class PgLeaderElection:
    def __init__(
        self,
        database_url: str,
        *,
        key: int = LOCK_KEY,
        channel: str = WAKE_CHANNEL,
        retry: float = 1.0,
        heartbeat: float = 3.0,
        lease: float = 8.0,
        connect: Connect = asyncpg.connect,
    ) -> None:
        if not 0 < heartbeat < lease:
            raise ValueError("the heartbeat must come well within the lease")
        self._dsn = asyncpg_dsn(database_url)
        self._key = key
        self._channel = channel
        self._retry = retry
        self._heartbeat = heartbeat
        self._lease = lease
        self._connect = connect
        self.status = LeaderStatus()
        self._connection: Any = None
        self._use = asyncio.Lock()  # one statement at a time on the one connection
        self._on_wake: Callable[[str], None] | None = None
        self._notifying: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def is_leader(self) -> bool:
        return self.status.is_leader

    # -- wake-ups ---------------------------------------------------------------------------
    def signal(self, kind: str) -> None:
        """Wake the leader's `kind` singleton: in this process if it leads, else by NOTIFY
        (coalesced: one under way per kind)."""
        if self.status.is_leader:
            if self._on_wake is not None:
                self._on_wake(kind)
            return
        if kind in self._notifying or self._connection is None:
            return  # one is on its way, or no connection: the leader's poll finds it
        self._notifying.add(kind)
        task = asyncio.get_running_loop().create_task(self._notify(kind), name="leader-wake")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self, kind: str) -> None:
        try:
            connection = self._connection
            if connection is None:
                return
            async with self._use:
                await asyncio.wait_for(
                    connection.execute("SELECT pg_notify($1, $2)", self._channel, kind),
                    timeout=self._lease - self._heartbeat,
                )
        except Exception as error:  # the leader polls anyway
            logger.warning("waking the leader failed: %s", type(error).__name__)
        finally:
            self._notifying.discard(kind)

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if self.status.is_leader and self._on_wake is not None and payload in WAKE_KINDS:
            self._on_wake(payload)

    # -- the election -----------------------------------------------------------------------
    async def run(
        self,
        stop: asyncio.Event,
        *,
        on_elected: Callback,
        on_deposed: Callback,
        on_wake: Callable[[str], None],
    ) -> None:
        self._on_wake = on_wake
        while not stop.is_set():
            try:
                await self._term(stop, on_elected)
            except Exception as error:  # connection lost, server down, heartbeat late
                logger.warning("leader election: %s; trying again", type(error).__name__)
            finally:
                if self.status.is_leader:
                    self.status.is_leader = False
                    logger.info("worker %d is no longer the leader", self.status.pid)
                    await on_deposed()
                await self._close()
            await _sleep_unless(stop, self._retry)

    async def _term(self, stop: asyncio.Event, on_elected: Callback) -> None:
        name = "reception-leader-" + str(os.getpid())  # for pg_stat_activity
        connection = await asyncio.wait_for(
            self._connect(self._dsn, server_settings={**_KEEPALIVES, "application_name": name}),
            timeout=self._lease,
        )
        self._connection = connection
        self.status.connected = True
        await connection.add_listener(self._channel, self._heard)
        while not stop.is_set():
            if not self.status.is_leader:
                async with self._use:
                    won = await asyncio.wait_for(
                        connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key),
                        timeout=self._lease,
                    )
                if won:
                    self.status.is_leader = True
                    self.status.since = time.monotonic()
                    self.status.terms += 1
                    logger.info("worker %d is the leader", self.status.pid)
                    await on_elected()
            else:
                async with self._use:
                    await asyncio.wait_for(
                        connection.fetchval("SELECT 1"), timeout=self._lease - self._heartbeat
                    )
            self.status.last_heartbeat = time.monotonic()
            await _sleep_unless(stop, self._heartbeat if self.status.is_leader else self._retry)

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        self.status.connected = False
        if connection is None:
            return
        try:
            # Closing ends the session, and with it the lock: a follower takes over at once.
            await asyncio.wait_for(connection.close(), timeout=2)
        except Exception:
            connection.terminate()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
