from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.texts import Texts
from domain.clock import FixedClock
from storage.models import ConsentRow, ProcessedUpdateRow
from tests.fakes import texts_of
from tests.handlers.conftest import consented
from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT
from tests.handlers.test_appeal_dialog import _to_text_step as to_text_step
from tests.handlers.test_readings_dialog import DAY_NIGHT
from tests.handlers.test_readings_dialog import _linked as readings_linked
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


async def _restart(harness: BotHarness, texts: Texts) -> BotHarness:
    """A new process over the same database (a crash and restart, or a deploy)."""
    return await BotHarness.start(
        harness.app.settings,
        clock=FixedClock(harness.app.clock.now()),
        texts=texts,
        content=harness.app.content,
    )


@pytest.mark.usefixtures("registry")
async def test_a_reading_step_redelivered_after_a_restart_is_not_taken_for_the_next_zone(
    harness: BotHarness, texts: Texts
) -> None:
    """Issue 11: the T1 value delivered again after a restart must not become T2."""
    person = await readings_linked(harness, texts, DAY_NIGHT)
    await person.send(texts.get("menu-readings"))
    day = person.message_update("12500")
    calls = await person.feed(day)
    assert "Т2 «ночь»" in texts_of(calls)[0]
    restarted = await _restart(harness, texts)
    try:
        again = restarted.person(user_id=person.user.id)
        assert await again.feed(day) == []  # Telegram delivers the same update again
        calls = await again.send("5100")
        assert texts_of(calls) == [texts.get("reading-ask-photo")]
        calls = await again.press(texts.get("reading-photo-skip"))
        confirmation = texts_of(calls)[0]
        assert "Т1 «день»: <b>12\u00a0500</b>" in confirmation
        assert "Т2 «ночь»: <b>5100</b>" in confirmation
    finally:
        await restarted.close()


async def test_an_appeal_step_redelivered_after_a_restart_is_not_taken_for_the_next_step(
    harness: BotHarness, texts: Texts
) -> None:
    """Issue 11: the full name delivered again after a restart must not become the address."""
    person = await consented(harness, texts)
    await to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    name = person.message_update("Иванова Мария Петровна")
    calls = await person.feed(name)
    assert texts.get("appeal-ask-address") in texts_of(calls)
    restarted = await _restart(harness, texts)
    try:
        again = restarted.person(user_id=person.user.id)
        assert await again.feed(name) == []
        calls = await again.send("Выкса, ул. Ленина, 12")
        assert texts.get("appeal-ask-channel") in texts_of(calls)
        await again.press(texts.get("appeal-channel-chat"))
        calls = await again.press(texts.get("appeal-vulnerable-none"))
        summary = texts_of(calls)[0]
        assert "Иванова Мария Петровна" in summary and "Выкса, ул. Ленина, 12" in summary
    finally:
        await restarted.close()
    async with harness.app.sessionmaker() as session:
        recorded = await session.scalar(
            select(ProcessedUpdateRow.answered).where(
                ProcessedUpdateRow.update_id == name.update_id
            )
        )
    assert recorded is not None  # the step (dialog state only) was recorded as processed
