"""59-ФЗ ст. 11 ч. 4 as a deadline stage of its own: an appeal staff marked illegible is
answered (the appellant told, a rejection on that ground) within 7 days of registration; the
day-5 warning exists (test_early_stage.py); once the 7 days are over and the appeal is still
open, it escalates to the executor and the heads like an overdue appeal, once, and the digest
counts it overdue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.services import Services
from bot.factory import App
from core.texts import Texts
from domain.appeals import Appeal, RejectionGround
from domain.errors import IllegalTransition
from domain.screening import FlagKind
from notifier.deadlines import DeadlinePolicy, daily_digest, illegible_late
from storage.models import OutboxRow
from tests.notifier.test_deadline_warnings import (
    EXECUTOR,
    HEAD,
    STAFF_CHAT,
    _appeal,
    _check_at,
    _in_uow,
    _warnings,
    msk,
)
from tests.notifier.test_deadline_warnings import app as app


async def _mark(app: App, appeal_id: int) -> Appeal:
    async def work(services: Services) -> Appeal:
        head = await services.staff_desk.member(HEAD)
        return await services.staff_desk.mark_illegible(head, appeal_id)

    marked: Appeal = await _in_uow(app, work)
    return marked


async def test_59fz_st11_ch4_illegible_escalates_after_7_days_and_counts_late(
    app: App, texts: Texts
) -> None:
    """Registered Tuesday 08.12.2026: the 7 days end on 15.12.2026."""
    appeal = await _appeal(app)
    assert appeal.id is not None
    marked = await _mark(app, appeal.id)
    [flag] = [flag for flag in marked.flags if flag.kind is FlagKind.ILLEGIBLE]
    tell_by = datetime.fromisoformat(flag.detail)
    assert tell_by == msk(2026, 12, 15, 23, 59).replace(second=59)
    await _check_at(app, msk(2026, 12, 15, 20))
    assert [stage for _, stage in await _warnings(app) if stage == "illegible"] == []
    assert not illegible_late(marked, msk(2026, 12, 15, 20))

    await _check_at(app, msk(2026, 12, 16, 9))
    late = {chat for chat, stage in await _warnings(app) if stage == "illegible"}
    assert late == {EXECUTOR, HEAD, STAFF_CHAT}
    assert illegible_late(marked, msk(2026, 12, 16, 9))
    await _check_at(app, msk(2026, 12, 17, 9))
    assert len([1 for _, stage in await _warnings(app) if stage == "illegible"]) == 3  # once

    # The digest counts it overdue though its answer's due date is in January.
    now = msk(2026, 12, 17, 9)
    policy = DeadlinePolicy(
        zone=app.config.zone, calendar=app.config.calendar, staff_chat_id=STAFF_CHAT
    )

    async def digest(services: Services) -> bool:
        return await daily_digest(services.uow, texts=texts, policy=policy, now=now)

    await _in_uow(app, digest)
    async with app.sessionmaker() as session:
        [payload] = (
            await session.execute(
                select(OutboxRow.payload).where(OutboxRow.dedup_key.like("digest:%"))
            )
        ).scalars()
    text = payload["text"]
    overdue = text.split(texts.get("digest-overdue", count=1))[1]
    assert appeal.number in overdue.split(texts.get("digest-unassigned", count=1)[:10])[0]


async def test_59fz_st11_ch4_unmarked_appeal_has_no_illegible_stage(app: App) -> None:
    await _appeal(app)
    await _check_at(app, msk(2026, 12, 16, 9))
    assert [stage for _, stage in await _warnings(app) if stage == "illegible"] == []


async def test_59fz_st11_ch4_told_in_time_nothing_escalates_and_marked_once(app: App) -> None:
    appeal = await _appeal(app)
    assert appeal.id is not None
    await _mark(app, appeal.id)
    try:
        await _mark(app, appeal.id)
    except IllegalTransition:
        pass
    else:
        raise AssertionError("marked twice")

    async def reject(services: Services) -> Appeal:
        head = await services.staff_desk.member(HEAD)
        return await services.staff_desk.reject(head, appeal.id or 0, RejectionGround.ILLEGIBLE)

    rejected: Appeal = await _in_uow(app, reject)
    await _check_at(app, msk(2026, 12, 16, 9))
    assert [stage for _, stage in await _warnings(app) if stage == "illegible"] == []
    assert not illegible_late(rejected, msk(2026, 12, 16, 9))


async def test_59fz_st11_ch4_registry_counts_the_illegible_notice_late_or_in_time(
    app: App,
) -> None:
    from notifier.registry_export import illegible_notice, registry_rows
    from storage.uow import UnitOfWork

    appeal = await _appeal(app)
    assert appeal.id is not None
    await _mark(app, appeal.id)

    async def rows_at(moment: datetime) -> str:
        uow = UnitOfWork(app.sessionmaker, clock=app.clock)
        try:
            [row] = await registry_rows(uow, msk(2026, 12, 1), msk(2026, 12, 31))
        finally:
            await uow.rollback()
        return illegible_notice(row, moment)

    assert await rows_at(msk(2026, 12, 15, 20)) == "open"
    assert await rows_at(msk(2026, 12, 16, 9)) == "late"
    await _check_at(app, msk(2026, 12, 17, 9))  # told two days late

    async def reject(services: Services) -> Appeal:
        head = await services.staff_desk.member(HEAD)
        return await services.staff_desk.reject(head, appeal.id or 0, RejectionGround.ILLEGIBLE)

    await _in_uow(app, reject)
    assert await rows_at(msk(2026, 12, 20)) == "late"
