"""The `Outbox` port over a unit of work (storage/outbox.py `SqlOutbox`): rows are written
with the caller's commit and not before, the sender is woken after it, a rolled back unit of
work queues nothing, and dropping takes back what was queued under a key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from services.ports import Outbox
from storage.models import OutboxRow
from storage.outbox import SqlOutbox
from storage.uow import UnitOfWork


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[int, str, str]]:
    async with sessionmaker() as session:
        result = await session.execute(
            select(OutboxRow.chat_id, OutboxRow.status, OutboxRow.dedup_key).order_by(OutboxRow.id)
        )
        return [(int(c), str(s), str(k)) for c, s, k in result]


async def test_rows_are_written_with_the_commit_and_wake_the_sender_after_it(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    woken: list[int] = []
    uow = UnitOfWork(sessionmaker, clock=clock)
    outbox: Outbox = SqlOutbox(uow, clock=clock, wake=lambda: woken.append(1))
    outbox.enqueue(chat_id=7, method="send_message", payload={"text": "a"}, dedup_key="k:1")
    outbox.enqueue(
        chat_id=8,
        method="send_message",
        payload={"text": "b"},
        not_before=clock.now() + timedelta(hours=1),
        urgent=True,
    )
    assert await _rows(sessionmaker) == [] and woken == []
    await uow.commit()
    assert await _rows(sessionmaker) == [(7, "pending", "k:1"), (8, "pending", "None")]
    assert woken  # once the rows are stored


async def test_a_rolled_back_unit_of_work_queues_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    woken: list[int] = []
    uow = UnitOfWork(sessionmaker, clock=clock)
    SqlOutbox(uow, clock=clock, wake=lambda: woken.append(1)).enqueue(
        chat_id=7, method="send_message", payload={"text": "a"}
    )
    await uow.rollback()
    assert await _rows(sessionmaker) == [] and woken == []


async def test_dropping_takes_back_the_pending_rows_of_a_key(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    uow = UnitOfWork(sessionmaker, clock=clock)
    outbox = SqlOutbox(uow, clock=clock)
    outbox.enqueue(chat_id=7, method="send_message", payload={"text": "a"}, dedup_key="r:1")
    outbox.enqueue(chat_id=7, method="send_message", payload={"text": "b"}, dedup_key="r:2")
    await uow.commit()
    assert await outbox.drop_pending(["r:1"]) == 1
    await uow.commit()
    assert await _rows(sessionmaker) == [(7, "dropped", "r:1"), (7, "pending", "r:2")]
