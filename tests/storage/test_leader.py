"""The leader election (storage/leader.py): one leader among the workers, a new one soon
after it goes, and wake-ups from any worker reaching it. On PostgreSQL; with SQLite the
process is always the leader."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import pytest

from storage.engine import is_sqlite
from storage.leader import PgLeaderElection, SoleLeader


class Worker:
    def __init__(self, election: PgLeaderElection | SoleLeader) -> None:
        self.election = election
        self.events: list[str] = []
        self.woken: list[str] = []
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def elected(self) -> None:
        self.events.append("elected")

    async def deposed(self) -> None:
        self.events.append("deposed")

    def start(self) -> None:
        self.task = asyncio.create_task(
            self.election.run(
                self.stop,
                on_elected=self.elected,
                on_deposed=self.deposed,
                on_wake=self.woken.append,
            )
        )

    async def close(self) -> None:
        self.stop.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, 10)


async def _until(condition: object, seconds: float = 10.0) -> float:
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        if time.monotonic() - started > seconds:
            raise AssertionError("not within the time")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_sqlite_or_one_process_is_always_the_leader() -> None:
    worker = Worker(SoleLeader())
    worker.start()
    await _until(worker.election.is_leader)
    worker.election.signal("outbox")
    assert worker.woken == ["outbox"]
    await worker.close()
    assert worker.events == ["elected", "deposed"]
    assert not worker.election.is_leader()


async def test_one_leader_a_quick_successor_and_wake_ups_from_followers(
    database_url: str,
) -> None:
    if is_sqlite(database_url):
        pytest.skip("the election needs PostgreSQL (TEST_DATABASE_URL); SQLite: SoleLeader")
    key = random.randrange(1, 2**31)  # this run's own lock, whatever else uses the database
    workers = [
        Worker(PgLeaderElection(database_url, key=key, retry=0.1, heartbeat=0.3, lease=2.0))
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    try:
        await _until(lambda: any(w.election.is_leader() for w in workers))
        await asyncio.sleep(0.5)  # the others have tried meanwhile, and failed
        leaders = [w for w in workers if w.election.is_leader()]
        assert len(leaders) == 1
        leader = leaders[0]
        followers = [w for w in workers if w is not leader]
        assert all(w.events == [] for w in followers)
        await _until(lambda: all(w.election.status.connected for w in workers))

        # A follower queued something: the leader hears of it, the follower not.
        followers[0].election.signal("notices")
        await _until(lambda: leader.woken == ["notices"], 5)
        assert followers[0].woken == []

        # The leader goes: another one leads within the retry interval, only one.
        await leader.close()
        assert leader.events == ["elected", "deposed"]
        took = await _until(lambda: any(w.election.is_leader() for w in followers), 5)
        assert took < 2
        await asyncio.sleep(0.3)
        assert sum(w.election.is_leader() for w in followers) == 1
    finally:
        for worker in workers:
            with contextlib.suppress(Exception):
                await worker.close()


async def test_a_leader_whose_connection_fails_stops_its_singletons(database_url: str) -> None:
    if is_sqlite(database_url):
        pytest.skip("the election needs PostgreSQL (TEST_DATABASE_URL)")
    key = random.randrange(1, 2**31)
    worker = Worker(PgLeaderElection(database_url, key=key, retry=0.1, heartbeat=0.2, lease=1.0))
    worker.start()
    try:
        await _until(worker.election.is_leader)
        assert isinstance(worker.election, PgLeaderElection)
        connection = worker.election._connection
        assert connection is not None
        connection.terminate()  # as if the server or the network went away
        await _until(lambda: worker.events[:2] == ["elected", "deposed"], 5)
        await _until(lambda: worker.events.count("elected") == 2, 5)  # and it comes back
    finally:
        await worker.close()
