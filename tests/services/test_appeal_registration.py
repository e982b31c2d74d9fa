"""Registration through the service on the real database (SPEC §2; regulation §15.2)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.appeals import (
    Actor,
    ActorKind,
    AnswerChannel,
    AppealDraft,
    AppealKind,
    ServiceForm,
    Subject,
)
from domain.clock import FixedClock
from domain.ids import UserId
from services.appeals import AppealPolicy, AppealService
from storage.appeals import SqlAppealRepository, SqlNumberSequence
from storage.calendar import ProductionCalendar
from storage.models import AppealRow
from storage.repositories import SqlAccountLinks, SqlConsents
from storage.uow import UnitOfWork

ZONE = ZoneInfo("Europe/Moscow")
POLICY = AppealPolicy(prefix="VE", zone=ZONE, answer_days={}, reopen_window=timedelta(days=10))


def _draft(index: int) -> AppealDraft:
    return AppealDraft(
        user_id=None,
        kind=AppealKind.INFORMATION_REQUEST,
        subject=Subject.METERING,
        form=ServiceForm.PHONE,
        text=f"Вопрос номер {index} о поверке счётчика.",
        full_name="Сидоров Алексей",
        answer_channel=AnswerChannel.PHONE,
        contact="+7 920 000 00 03",
    )


async def _register(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, index: int
) -> str:
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = AppealService(
        appeals=SqlAppealRepository(uow),
        numbers=SqlNumberSequence(uow),
        consents=SqlConsents(uow),
        links=SqlAccountLinks(uow),
        calendar=ProductionCalendar(),
        clock=clock,
        policy=POLICY,
    )
    try:
        appeal = await service.register_offline(
            _draft(index), actor=Actor(ActorKind.STAFF, 1, "Оператор")
        )
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise
    return appeal.number


async def test_200_concurrent_submissions_get_200_distinct_consecutive_numbers(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """§15.2: one registry, numbers without gaps or duplicates, also at the same instant."""
    numbers = await asyncio.gather(*(_register(sessionmaker, clock, i) for i in range(200)))
    assert all(re.fullmatch(r"VE-2026-\d{6}", n) for n in numbers)
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 201))


async def test_a_phone_appeal_is_registered_with_its_form_and_normalised_contact(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    number = await _register(sessionmaker, clock, 1)
    uow = UnitOfWork(sessionmaker, clock=clock)
    repository = SqlAppealRepository(uow)
    appeals, total = await repository.of_user(UserId(0), offset=0, limit=5)
    assert (appeals, total) == ([], 0)  # phone appeals belong to no Telegram user

    row = (await uow.session.execute(select(AppealRow.__table__))).first()
    await uow.rollback()
    assert row is not None
    assert (row.number, row.form, row.contact) == (number, "phone", "+79200000003")
