from __future__ import annotations

from sqlalchemy import func, select

from bot.texts import Texts
from domain.clock import FixedClock
from storage.models import ConsentRow, ProcessedUpdateRow
from tests.fakes import texts_of
from tests.harness import BotHarness


async def test_an_update_delivered_twice_is_handled_once(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person()
    await person.send("/start")
    update = person.callback_update(texts.get("consent-accept"))
    first = await person.feed(update)
    second = await person.feed(update)
    assert texts_of(first)
    assert second == []
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ConsentRow)) == 1


async def test_a_redelivery_after_a_restart_does_not_apply_twice(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person()
    await person.send("/start")
    update = person.callback_update(texts.get("consent-accept"))
    await person.feed(update)
    async with harness.app.sessionmaker() as session:
        recorded = await session.scalar(
            select(ProcessedUpdateRow.update_id).where(
                ProcessedUpdateRow.update_id == update.update_id
            )
        )
    assert recorded == update.update_id
    restarted = await BotHarness.start(
        harness.app.settings,
        clock=FixedClock(harness.app.clock.now()),
        texts=texts,
        content=harness.app.content,
    )
    try:
        again = restarted.person(user_id=person.user.id)
        assert await again.feed(update) == []
    finally:
        await restarted.close()
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ConsentRow)) == 1


async def test_read_only_updates_open_no_transaction(harness: BotHarness, texts: Texts) -> None:
    person = harness.person()
    await person.send("/start")
    await person.send(texts.get("menu-info"))
    await person.send("счётчик")
    async with harness.app.sessionmaker() as session:
        stored = await session.scalar(select(func.count()).select_from(ProcessedUpdateRow))
    assert stored == 0
