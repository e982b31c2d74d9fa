"""An update Telegram delivers twice (same update_id) is handled once.

In memory: a bounded set of recent ids, claimed before handling, so a duplicate that
arrives while or after the first is handled is skipped. Across restarts: the ids of
updates that wrote anything are stored in the same transaction as their effects
(storage/uow.py), and loaded back at start; Telegram keeps undelivered updates for 24 h,
so that is how far back we look. An update that wrote nothing (a reference page, a menu)
is remembered in memory only: after a crash its redelivery re-sends a read-only reply.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdateRow
from storage.uow import LazyConnection

REDELIVERY_HORIZON = timedelta(hours=24)


class UpdateDeduplicator:
    def __init__(self, capacity: int = 200_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity

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


async def purge_processed_updates(session: LazyConnection | AsyncSession, *, now: datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdateRow).where(
            ProcessedUpdateRow.processed_at < now - REDELIVERY_HORIZON * 2
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
