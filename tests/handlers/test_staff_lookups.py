"""The card's «Другие обращения» and «Показания» (issue 15): a compact list in the thread,
through the real dispatcher; no name, address, contact or identity data in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.texts import Texts
from domain.ids import AccountNumber
from domain.readings import Reading, ReadingChannel, ZoneValue
from storage.models import AppealRow, StaffAuditRow
from storage.readings import SqlReadingRepository
from storage.uow import UnitOfWork
from tests.handlers import test_staff_chat
from tests.handlers.test_appeal_dialog import _file_one, _linked
from tests.handlers.test_staff_chat import _buttons, _card, _group_messages
from tests.harness import BotHarness

pytestmark = pytest.mark.usefixtures("registry")
harness = test_staff_chat.harness  # the staff chat's harness (STAFF_CHAT_ID set)

ACCOUNT = "1000000001"


async def _numbers(harness: BotHarness) -> list[str]:
    async with harness.app.sessionmaker() as session:
        return list((await session.scalars(select(AppealRow.number).order_by(AppealRow.id))).all())


async def _readings(harness: BotHarness, count: int) -> None:
    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    repository = SqlReadingRepository(uow)
    start = harness.app.clock.now() - timedelta(days=40 * count)
    for i in range(count):
        await repository.add(
            Reading(
                id=None,
                reference=None,
                account_number=AccountNumber(ACCOUNT),
                meter_serial="0123456",
                period=f"2026-{i % 12 + 1:02d}",
                submitted_at=start + timedelta(days=40 * i),
                channel=ReadingChannel.PHONE if i % 2 else ReadingChannel.BOT,
                values=(ZoneValue(1, 1_000_000 * (i + 1)), ZoneValue(2, 500_500 * (i + 1))),
            )
        )
    await uow.commit()


async def test_other_appeals_and_readings_are_listed_from_the_card(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    for _ in range(3):
        await _file_one(person, texts)
    await harness.deliver()
    card = _card(harness)  # the newest appeal's
    first, second, newest = await _numbers(harness)
    # The first one came by phone, registered by staff: the account ties it to the person.
    async with harness.app.sessionmaker() as session:
        await session.execute(
            update(AppealRow)
            .where(AppealRow.number == first)
            .values(user_id=None, account_number=ACCOUNT)
        )
        await session.execute(
            update(AppealRow).where(AppealRow.number == newest).values(account_number=ACCOUNT)
        )
        await session.commit()
    await _readings(harness, 8)
    staff = harness.staff()
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]

    await staff.press(texts.plain("staff-button-others"))
    [listing] = [c.text for c in _group_messages(await harness.deliver())]
    lines = listing.splitlines()
    assert lines[0] == texts.get("staff-others-title", number=newest, count=2)
    assert [line.split(" · ")[0] for line in lines[1:]] == [
        f"<code>{second}</code>",
        f"<code>{first}</code>",
    ]
    assert all(texts.plain("appeal-status-registered") in line for line in lines[1:])
    assert "Иванова" not in listing  # no names, addresses or contacts

    await staff.press(texts.plain("staff-button-readings"))
    [readings] = [c.text for c in _group_messages(await harness.deliver())]
    lines = readings.splitlines()
    assert lines[0] == texts.get("staff-readings-title", number=newest, account=ACCOUNT, count=6)
    assert len(lines) == 7
    # Newest first: the 8th reading's values, then the 7th's...
    assert "Т1 «день» 8000; Т2 «ночь» 4004" in lines[1]
    assert texts.plain("reading-channel-phone") in lines[1]
    assert texts.plain("reading-channel-bot") in lines[2]
    assert "0123456" in lines[1]

    async with harness.app.sessionmaker() as session:
        looks = (
            await session.scalars(
                select(StaffAuditRow.detail).where(StaffAuditRow.action == "view")
            )
        ).all()
    assert sorted(looks) == ["other appeals", "readings"]


async def test_a_first_appeal_without_an_account_says_so(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    card = _card(harness)
    [number] = await _numbers(harness)
    async with harness.app.sessionmaker() as session:
        has_account = await session.scalar(select(AppealRow.account_number))
    labels = [label for label, _ in _buttons(card)]
    assert texts.plain("staff-button-others") in labels
    assert (texts.plain("staff-button-readings") in labels) == bool(has_account)
    staff = harness.staff()
    staff.last_inline = [(label, data, card) for label, data in _buttons(card)]

    await staff.press(texts.plain("staff-button-others"))

    told = [c.text for c in _group_messages(await harness.deliver())]
    assert told == [texts.get("staff-others-none", number=number)]
