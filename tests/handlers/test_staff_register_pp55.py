"""/register of a ПП 55 complaint received by phone (dialogs/registration/pp55.py): the same
set as the consumer's dialog, items left for later recorded as missing, the passport sealed,
and opened on the card only for the assignee (or a head), in an alert."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram.methods import AnswerCallbackQuery, SendMessage
from sqlalchemy import select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import AppealIdentityRow, AppealRow
from tests.handlers.test_staff_chat import _card, _group_messages, _with_profile
from tests.harness import STAFF_CHAT_ID, BotHarness, StaffPerson

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


async def _said(harness: BotHarness) -> list[str]:
    return [c.text for c in _group_messages(await harness.deliver())]


async def _to_pp55(
    harness: BotHarness, texts: Texts, subject: str = "power_quality"
) -> tuple[StaffPerson, list[str]]:
    """/register by phone up to the subject; what the bot said after it."""
    staff = await _with_profile(harness)
    await staff.send("/register")
    await harness.deliver()
    await staff.press(texts.plain("staff-form-phone").capitalize())
    await staff.send("сегодня")
    await harness.deliver()
    await staff.send("Сидоров Пётр Ильич")
    await harness.deliver()
    await staff.press(texts.plain("appeal-channel-phone"))
    await staff.send("+7 920 000-00-02")
    await harness.deliver()
    await staff.press(texts.plain("appeal-kind-complaint"))
    await harness.deliver()
    await staff.press(texts.plain(f"appeal-subject-{subject}"))
    return staff, await _said(harness)


async def test_pp55_register_asks_the_same_set_when_the_subject_needs_it(
    harness: BotHarness, texts: Texts
) -> None:
    staff, said = await _to_pp55(harness, texts)
    assert said[0] == texts.get("pp55-why")
    await staff.press(texts.plain("pp55-applicant-person"))
    assert await _said(harness) == [texts.get("pp55-ask-time")]
    await staff.send("23.11.2026 18:30")
    await harness.deliver()
    await staff.press(texts.plain("pp55-later"))  # the device's address
    await harness.deliver()
    await staff.send("Д-1234")
    await harness.deliver()
    await staff.press(texts.plain("pp55-later"))  # residence
    await harness.deliver()
    await staff.send("12.03.1956")
    await harness.deliver()
    await staff.press(texts.plain("pp55-later"))  # the place of birth
    await harness.deliver()
    await staff.send("4510 12345")
    assert any(texts.get("pp55-passport-invalid") in text for text in await _said(harness))
    await staff.send("4510 123456")
    assert await _said(harness) == [texts.get("pp55-ask-phone")]
    for _ in range(3):  # phone, e-mail, demand
        await staff.press(texts.plain("pp55-later"))
        said = await _said(harness)
    assert said == [texts.get("staff-register-text")]
    await staff.send("Звонок: по вечерам падает напряжение, лампы мигают.")
    confirm = (await _said(harness))[0]
    assert "Договор: Д-1234" in confirm and "123456" not in confirm
    assert "адрес устройства" in confirm and "место рождения" in confirm
    await staff.press(texts.plain("staff-register-save"))
    await harness.deliver()
    async with harness.app.sessionmaker() as session:
        row = (await session.execute(select(AppealRow.__table__))).one()
        sealed = (await session.execute(select(AppealIdentityRow.sealed))).scalar_one()
    assert row.pp55["contract_number"] == "Д-1234"
    assert sorted(row.pp55["identity_items"]) == ["birth_date", "passport"]
    assert "123456" not in sealed and "123456" not in str(row._mapping)

    card = _card(harness)
    assert "Потребитель пришлёт позже" in (card.text or "")
    calls = await staff.press(texts.get("staff-button-identity"))
    alerts = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert alerts and alerts[0].show_alert and "123456" not in (alerts[0].text or "")
    assert not any("123456" in c.text for c in calls if isinstance(c, SendMessage))
    await staff.press(texts.get("staff-button-take"))
    await harness.deliver()
    calls = await staff.press(texts.get("staff-button-identity"))
    alerts = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert "4510 123456" in (alerts[0].text or "") and "12.03.1956" in (alerts[0].text or "")
    assert not any(isinstance(c, SendMessage) for c in calls)  # never posted in the chat


async def test_pp55_register_of_another_subject_asks_nothing_more(
    harness: BotHarness, texts: Texts
) -> None:
    _staff, said = await _to_pp55(harness, texts, subject="service_quality")
    assert said == [texts.get("staff-register-text")]
