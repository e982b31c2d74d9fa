"""An update Telegram delivers twice (same update_id) is handled once.

In memory: a bounded set of recent ids, claimed before handling, so a duplicate that
arrives while or after the first is handled is skipped. Across restarts: the ids of
updates that wrote anything are stored in the same transaction as their effects
(storage/uow.py), and loaded back at start; Telegram keeps undelivered updates for 24 h,
so that is how far back we look. An update that wrote nothing (a reference page, a menu)
is remembered in memory only: after a crash its redelivery re-sends a read-only reply.
Dialog steps count as writes: a redelivered step is skipped, not applied to the next step.

Answered or not: an update that moves a dialog on is recorded before its next question goes
out (whatever a person is told is stored first), so its record says `answered = false` until
the handler has finished; other records are written answered (a final step's reply is queued
with it, notifier/replies.py). The marks are not written one by one: `answered` collects
them and they travel with the next commit of any unit of work (`piggyback`), or with
`store_answered` (a short periodic flush, and at shutdown). A row still unanswered at
start-up is an update whose handler a crash cut short: `unanswered` hands its chat to the
start-up that offers the person to continue (handlers/resume.py). A crash can also lose
marks not stored yet; then a person is offered to continue once more than needed, never
less.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from storage.models import ProcessedUpdateRow
from storage.uow import LazyConnection, UnitOfWork

logger = logging.getLogger(__name__)

REDELIVERY_HORIZON = timedelta(hours=24)

# One statement per mark, so that SQLite runs them in the COMMIT's hop (storage/uow.py).
_MARK_ANSWERED = (
    update(ProcessedUpdateRow)
    .where(ProcessedUpdateRow.update_id == bindparam("answered_id"))
    .values(answered=true())  # a literal: storage/uow.py binds only the given parameters
)


class UpdateDeduplicator:
    def __init__(self, capacity: int = 200_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity
        # Updates answered whose record still says unanswered (see the module docstring).
        self._answered: list[int] = []

    def claim(self, update_id: int) -> bool:
        """True the first time an id is seen; False for a duplicate."""
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    async def load_recent(self, session: LazyConnection | AsyncSession, *, now: datetime) -> int:
        rows = await session.scalars(
            select(ProcessedUpdateRow.update_id)
            .where(ProcessedUpdateRow.processed_at >= now - REDELIVERY_HORIZON)
            .order_by(ProcessedUpdateRow.update_id)
        )
        count = 0
        for update_id in rows:
            self.claim(update_id)
            count += 1
        return count

    # -- answered marks ------------------------------------------------------------------
    def answered(self, update_id: int) -> None:
        """The handler of an update recorded unanswered has finished: store that soon."""
        self._answered.append(update_id)

    @property
    def pending_marks(self) -> int:
        return len(self._answered)

    def piggyback(self, uow: UnitOfWork) -> None:
        """For `UnitOfWork(piggyback=...)`: the marks go with a commit that writes anyway.
        They are taken out while that commit is under way, and put back if it fails: a
        mark travels with one commit at a time. (Offered to every concurrent commit, the
        same rows were updated by all of them, and each waited for the other's row locks:
        with 20 people at once on PostgreSQL, a convoy of 10 transactions waiting on each
        other, bench/load.py.)"""
        if not self._answered:
            return
        marks, self._answered = self._answered, []
        for update_id in marks:
            uow.session.deferred.append((_MARK_ANSWERED, {"answered_id": update_id}))
        uow.if_commit_fails(lambda: self._answered.extend(marks))

    async def store_answered(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, clock: Clock
    ) -> int:
        """Store the marks not stored yet, in a transaction of their own; how many."""
        if not self._answered:
            return 0
        count = len(self._answered)
        uow = UnitOfWork(sessionmaker, clock=clock, piggyback=self.piggyback)
        uow.mark_written(effect=False)
        await uow.commit()
        return count

    async def keep_storing_answered(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        stop: asyncio.Event,
        every: float = 0.25,
    ) -> None:
        """Until `stop`: every `every` seconds store the marks no commit has taken along
        (a quiet bot), then once more at the stop. A kill loses at most the marks of this
        interval: those people are offered to go on although they were answered."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
            try:
                await self.store_answered(sessionmaker, clock=clock)
            except Exception:
                logger.exception("storing answered marks failed; kept for the next try")

    async def unanswered(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime
    ) -> list[tuple[int, int]]:
        """(update id, chat id) of the updates recorded within the redelivery horizon whose
        handler never finished, oldest first. The caller marks them with `answered` once it
        has acted on them."""
        async with sessionmaker() as session:
            rows = await session.execute(_UNANSWERED, {"since": now - REDELIVERY_HORIZON})
            return [
                (int(row.update_id), int(row.chat_id)) for row in rows if row.chat_id is not None
            ]


_UNANSWERED = (
    select(ProcessedUpdateRow.update_id, ProcessedUpdateRow.chat_id)
    .where(
        ProcessedUpdateRow.answered.is_(False),
        ProcessedUpdateRow.processed_at >= bindparam("since"),
    )
    .order_by(ProcessedUpdateRow.update_id)
)


async def purge_processed_updates(session: LazyConnection | AsyncSession, *, now: datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdateRow).where(
            ProcessedUpdateRow.processed_at < now - REDELIVERY_HORIZON * 2
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
