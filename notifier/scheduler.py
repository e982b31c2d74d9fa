"""APScheduler 3 lifecycle and the housekeeping job. Each job opens its own unit of work."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.linking import AttemptPolicy
from storage.dedup import purge_processed_updates
from storage.repositories import purge_link_failures
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


async def housekeeping(
    sessionmaker: async_sessionmaker[AsyncSession], *, clock: Clock, policy: AttemptPolicy
) -> tuple[int, int]:
    """Forget what is no longer needed: old processed-update ids and expired link failures."""
    now = clock.now()
    uow = UnitOfWork(sessionmaker, clock=clock)
    try:
        updates = await purge_processed_updates(uow.session, now=now)
        uow.mark_written()
        failures = await purge_link_failures(uow, before=now - policy.window - timedelta(hours=1))
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise
    logger.info("housekeeping: %d update ids, %d link failures purged", updates, failures)
    return updates, failures


def build_scheduler(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    clock: Clock,
    policy: AttemptPolicy,
    zone: ZoneInfo,
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=zone)
    scheduler.add_job(
        housekeeping,
        "interval",
        hours=1,
        kwargs={"sessionmaker": sessionmaker, "clock": clock, "policy": policy},
        id="housekeeping",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    return scheduler
