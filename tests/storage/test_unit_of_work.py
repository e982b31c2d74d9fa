from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.consent import ConsentDecision, ConsentRecord
from domain.ids import UserId
from storage.dedup import UpdateDeduplicator, purge_processed_updates
from storage.models import ConsentRow, ProcessedUpdateRow
from storage.repositories import SqlConsents
from storage.uow import DuplicateUpdate, UnitOfWork, skip_flush_wait


async def test_nothing_touched_means_no_session(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock, update_id=1)
    await uow.commit()
    assert not uow.has_session


async def test_the_same_update_cannot_commit_twice(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    record = ConsentRecord(UserId(1), ConsentDecision.GIVEN, "v1", clock.now())
    first = UnitOfWork(sessionmaker, clock=clock, update_id=77)
    await SqlConsents(first).record(record)
    await first.commit()
    again = UnitOfWork(sessionmaker, clock=clock, update_id=77)
    await SqlConsents(again).record(record)
    with pytest.raises(DuplicateUpdate):
        await again.commit()
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ConsentRow)) == 1


async def test_processed_ids_are_reloaded_and_purged(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    from datetime import timedelta

    uow = UnitOfWork(sessionmaker, clock=clock, update_id=5)
    uow.mark_written()
    await uow.commit()
    dedup = UpdateDeduplicator()
    async with sessionmaker() as session:
        assert await dedup.load_recent(session, now=clock.now()) == 1
    assert not dedup.claim(5)
    assert dedup.claim(6)
    async with sessionmaker() as session:
        assert await purge_processed_updates(session, now=clock.now() + timedelta(days=3)) == 1
        await session.commit()


def test_deduplicator_memory_is_bounded() -> None:
    dedup = UpdateDeduplicator(capacity=3)
    for update_id in range(10):
        assert dedup.claim(update_id)
    assert not dedup.claim(9)
    assert dedup.claim(0)  # forgotten: beyond Telegram's 24-hour redelivery horizon in practice


async def _answered(sessionmaker: async_sessionmaker[AsyncSession], update_id: int) -> bool:
    async with sessionmaker() as session:
        value = await session.scalar(
            select(ProcessedUpdateRow.answered).where(ProcessedUpdateRow.update_id == update_id)
        )
    assert value is not None
    return bool(value)


async def test_a_step_that_moves_a_dialog_on_waits_for_its_answer_mark(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    dedup = UpdateDeduplicator()
    # A write that leaves no dialog waiting is recorded answered at once.
    plain = UnitOfWork(sessionmaker, clock=clock, update_id=1, piggyback=dedup.piggyback)
    plain.mark_written()
    await plain.commit()
    assert not plain.awaits_answer and await _answered(sessionmaker, 1)
    # A dialog step committed before its question (CommitBeforeSend) waits for its mark...
    step = UnitOfWork(sessionmaker, clock=clock, update_id=2, piggyback=dedup.piggyback)
    step.mark_written()
    step.dialog_continues = True
    await step.commit()
    assert step.awaits_answer and not await _answered(sessionmaker, 2)
    # ...also when the dialog moves on at a later commit of the same update...
    late = UnitOfWork(sessionmaker, clock=clock, update_id=3, piggyback=dedup.piggyback)
    late.mark_written()
    await late.commit()
    late.mark_written()
    late.dialog_continues = True
    await late.commit()
    assert late.awaits_answer and not await _answered(sessionmaker, 3)
    # ...and the marks travel with the next commit that writes anything.
    dedup.answered(2)
    dedup.answered(3)
    other = UnitOfWork(sessionmaker, clock=clock, update_id=4, piggyback=dedup.piggyback)
    other.mark_written()
    await other.commit()
    assert await _answered(sessionmaker, 2) and await _answered(sessionmaker, 3)
    assert dedup.pending_marks == 0


async def test_a_window_narrowing_write_skips_only_its_own_flush_wait(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """skip_flush_wait: outcomes of calls already made and new topic ids commit without
    waiting for PostgreSQL's WAL flush; the next transaction (a record) waits again."""
    clock = FixedClock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    uow = UnitOfWork(sessionmaker, clock=clock)
    postgres = uow.session.bind.dialect.name == "postgresql"
    await skip_flush_wait(uow)
    if postgres:
        assert await uow.session.scalar(text("SHOW synchronous_commit")) == "off"
    await uow.commit()
    after = UnitOfWork(sessionmaker, clock=clock)
    if postgres:
        assert await after.session.scalar(text("SHOW synchronous_commit")) == "on"
    else:
        assert await after.session.scalar(text("SELECT 1")) == 1
    await after.rollback()


async def test_an_answer_mark_travels_with_one_commit_at_a_time_and_survives_its_failure(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """Offered to every commit under way, the same mark made concurrent transactions update
    the same row and wait for each other's locks (bench/load.py on PostgreSQL)."""
    dedup = UpdateDeduplicator()
    step = UnitOfWork(sessionmaker, clock=clock, update_id=2, piggyback=dedup.piggyback)
    step.mark_written()
    step.dialog_continues = True
    await step.commit()
    done = UnitOfWork(sessionmaker, clock=clock, update_id=3)
    done.mark_written()
    await done.commit()
    dedup.answered(2)
    # Two commits under way at once: only the first takes the mark along.
    first = UnitOfWork(sessionmaker, clock=clock, update_id=10)
    second = UnitOfWork(sessionmaker, clock=clock, update_id=11)
    dedup.piggyback(first)
    dedup.piggyback(second)
    assert len(first.session.deferred) == 1 and second.session.deferred == []
    await first.rollback()
    await second.rollback()
    # A commit that carried it and failed (a redelivered update) gives it back...
    dedup = UpdateDeduplicator()
    dedup.answered(2)
    again = UnitOfWork(sessionmaker, clock=clock, update_id=3, piggyback=dedup.piggyback)
    again.mark_written()
    with pytest.raises(DuplicateUpdate):
        await again.commit()
    assert dedup.pending_marks == 1 and not await _answered(sessionmaker, 2)
    # ...and the next commit stores it.
    other = UnitOfWork(sessionmaker, clock=clock, update_id=4, piggyback=dedup.piggyback)
    other.mark_written()
    await other.commit()
    assert dedup.pending_marks == 0 and await _answered(sessionmaker, 2)
