"""Deadline control (SPEC §4, acceptance 4 of the staff-chat issue): warnings at D-5 and D-1
(working days) and on the day after the due date, across the New Year holidays, once each,
to the executor, the head and the appeal's thread; the daily digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
from sqlalchemy import select

from app.services import Services
from bot.factory import App, build_app
from bot.settings import Settings
from core.texts import Texts
from domain.appeals import AnswerChannel, Appeal, AppealDraft, AppealKind, ServiceForm, Subject
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.staff import StaffMember, StaffRole
from notifier.deadlines import DeadlinePolicy, check_deadlines, daily_digest
from storage.models import OutboxRow
from storage.uow import UnitOfWork

STAFF_CHAT = -1_001_234_567_890
EXECUTOR = 8_000_001
HEAD = 8_000_002
MSK = "Europe/Moscow"


def msk(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(MSK)).astimezone(UTC)


@pytest_asyncio.fixture
async def app(
    engine: Any, settings: Settings, texts: Texts, content: ContentLibrary
) -> AsyncIterator[App]:
    clock = FixedClock(msk(2026, 12, 8, 10))
    built = await build_app(
        settings.with_values(staff_chat_id=STAFF_CHAT),
        clock=clock,
        texts=texts,
        content=content,
        migrate=False,
    )
    yield built
    await built.close()


async def _in_uow(app: App, work: Any) -> Any:
    uow = UnitOfWork(app.sessionmaker, clock=app.clock)
    services = Services(
        uow,
        clock=app.clock,
        config=app.config,
        content=app.content,
        fsm_storage=app.storage,
        bot_id=1,
    )
    try:
        result = await work(services)
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise
    return result


async def _appeal(app: App, *, assign: bool = True) -> Appeal:
    """Registered on 08.12.2026 (Moscow): due 07.01.2027 is a holiday, so 11.01.2027."""

    async def work(services: Services) -> Appeal:
        desk = services.staff_desk
        head = StaffMember(
            user_id=HEAD, role=StaffRole.ADMIN, full_name="Руководитель", phone="+78310000002"
        )
        await desk.save_profile(head, head)
        executor = StaffMember(user_id=EXECUTOR, full_name="Петрова А. С.", phone="+78310000001")
        await desk.save_profile(executor, executor)
        await desk.save_profile(
            head,
            StaffMember(
                user_id=HEAD, role=StaffRole.HEAD, full_name="Руководитель", phone="+78310000002"
            ),
        )
        appeal = await desk.register(
            head,
            AppealDraft(
                user_id=None,
                kind=AppealKind.COMPLAINT,
                subject=Subject.SERVICE_QUALITY,
                form=ServiceForm.PHONE,
                text="Не дозвониться до диспетчерской третий день.",
                full_name="Сидоров Пётр Ильич",
                answer_channel=AnswerChannel.PHONE,
                contact="+7 920 000 00 01",
            ),
        )
        assert appeal.id is not None
        if assign:
            appeal = await desk.assign(head, appeal.id, EXECUTOR)
        return appeal

    appeal: Appeal = await _in_uow(app, work)
    return appeal


async def _warnings(app: App) -> list[tuple[int, str]]:
    async with app.sessionmaker() as session:
        rows = (
            await session.execute(
                select(OutboxRow.chat_id, OutboxRow.dedup_key)
                .where(OutboxRow.dedup_key.like("deadline:%"))
                .order_by(OutboxRow.id)
            )
        ).all()
    return [(int(chat_id), str(key).rsplit(":", 2)[1]) for chat_id, key in rows]


async def _check_at(app: App, moment: datetime) -> int:
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(moment - app.clock.now())
    policy = DeadlinePolicy(
        zone=app.config.zone, calendar=app.config.calendar, staff_chat_id=STAFF_CHAT
    )

    async def work(services: Services) -> int:
        return await check_deadlines(services.uow, texts=app.texts, policy=policy, now=moment)

    warned: int = await _in_uow(app, work)
    return warned


async def test_warnings_fire_on_working_days_before_a_due_date_after_the_new_year(
    app: App,
) -> None:
    appeal = await _appeal(app)
    assert appeal.due_at == msk(2027, 1, 11, 23, 59) + timedelta(seconds=59)
    everyone = {EXECUTOR, HEAD, STAFF_CHAT}

    assert await _check_at(app, msk(2026, 12, 23, 18)) == 0
    assert await _warnings(app) == []
    # D-5: the fifth working day before 11.01.2027 is 24.12.2026 (31.12 is a day off).
    await _check_at(app, msk(2026, 12, 24, 0, 5))
    assert {chat for chat, stage in await _warnings(app) if stage == "d5"} == everyone
    await _check_at(app, msk(2026, 12, 24, 15))
    await _check_at(app, msk(2026, 12, 29, 12))
    assert len(await _warnings(app)) == 3  # once each
    # D-1: the last working day before the due date is 30.12.2026, not 10.01.2027.
    await _check_at(app, msk(2026, 12, 30, 8))
    assert {chat for chat, stage in await _warnings(app) if stage == "d1"} == everyone
    for day in (31, 1, 5, 8, 11):
        month, year = (12, 2026) if day == 31 else (1, 2027)
        await _check_at(app, msk(year, month, day, 23))
    assert len(await _warnings(app)) == 6
    # Missed: the morning after the due date.
    await _check_at(app, msk(2027, 1, 12, 0, 1))
    assert {chat for chat, stage in await _warnings(app) if stage == "overdue"} == everyone
    await _check_at(app, msk(2027, 1, 13, 9))
    assert len(await _warnings(app)) == 9


async def test_an_appeal_first_seen_at_d1_gets_only_the_d1_warning_and_heads_hear_of_unassigned(
    app: App,
) -> None:
    await _appeal(app, assign=False)
    await _check_at(app, msk(2026, 12, 30, 12))  # the bot was down from 20.12 to 30.12
    assert await _warnings(app) == [(HEAD, "d1"), (STAFF_CHAT, "d1")]


async def test_an_extension_arms_the_warnings_again_for_the_new_date(app: App) -> None:
    appeal = await _appeal(app)
    assert appeal.id is not None
    await _check_at(app, msk(2026, 12, 30, 12))
    assert len(await _warnings(app)) == 3

    async def extend(services: Services) -> Appeal:
        head = await services.staff_desk.member(HEAD)
        assert appeal.id is not None
        return await services.staff_desk.extend(head, appeal.id, 10, "нужен выезд")

    extended: Appeal = await _in_uow(app, extend)
    assert extended.due_at > appeal.due_at
    await _check_at(app, msk(2027, 1, 12, 9))  # overdue for the old date, not for the new
    assert [stage for _, stage in await _warnings(app)] == ["d1", "d1", "d1"]
    await _check_at(app, msk(2027, 1, 14, 9))  # due 21.01.2027: its D-5 is 14.01
    assert [stage for _, stage in await _warnings(app)].count("d5") == 3


async def test_the_daily_digest_lists_due_today_overdue_and_unassigned_once_a_day(
    app: App, texts: Texts
) -> None:
    await _appeal(app)
    await _appeal(app, assign=False)
    policy = DeadlinePolicy(
        zone=app.config.zone, calendar=app.config.calendar, staff_chat_id=STAFF_CHAT
    )
    for hour in (9, 10):
        moment = msk(2027, 1, 11, hour)
        assert isinstance(app.clock, FixedClock)
        app.clock.advance(moment - app.clock.now())

        async def work(services: Services, moment: datetime = moment) -> bool:
            return await daily_digest(services.uow, texts=app.texts, policy=policy, now=moment)

        await _in_uow(app, work)
    async with app.sessionmaker() as session:
        rows = (
            await session.execute(
                select(OutboxRow.payload).where(OutboxRow.dedup_key.like("digest:%"))
            )
        ).all()
    assert len(rows) == 1
    text = rows[0][0]["text"]
    assert texts.get("digest-due-today", count=2) in text
    assert texts.get("digest-unassigned", count=1) in text
    assert texts.get("digest-overdue", count=0) in text


async def test_the_scheduled_jobs_run_from_the_job_context(app: App) -> None:
    from notifier.deadlines import run_daily_digest, run_deadline_check
    from notifier.scheduler import JobContext, clear_job_context, set_job_context

    await _appeal(app)
    woken: list[bool] = []
    set_job_context(
        JobContext(
            sessionmaker=app.sessionmaker,
            clock=app.clock,
            link_policy=app.config.link_policy,
            zone=app.config.zone,
            extra={
                "texts": app.texts,
                "deadline_policy": DeadlinePolicy(
                    zone=app.config.zone, calendar=app.config.calendar, staff_chat_id=STAFF_CHAT
                ),
                "wake_outbox": lambda: woken.append(True),
            },
        )
    )
    try:
        assert isinstance(app.clock, FixedClock)
        app.clock.advance(msk(2026, 12, 30, 9) - app.clock.now())
        assert await run_deadline_check() == 1
        assert await run_daily_digest() is True
    finally:
        clear_job_context()
    assert [stage for _, stage in await _warnings(app)] == ["d1", "d1", "d1"]
    assert woken == [True, True]
