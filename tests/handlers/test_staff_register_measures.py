"""/register takes register 4.9's fields (issue 14): from the summary's «Меры и договор»,
the measures taken and planned and whether a contract followed — optional, skipped by
default, kept when staff come back to them, refused when longer than the register takes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.reports import MEASURES_MAX
from storage.models import AppealRow
from tests.handlers.test_staff_chat import _group_messages, _with_profile
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


async def _to_summary(harness: BotHarness, texts: Texts) -> StaffPerson:
    """/register of a phone application up to the summary."""
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
    await staff.press(texts.plain("appeal-kind-application"))
    await harness.deliver()
    await staff.press(texts.plain("appeal-subject-connection_application"))
    await staff.send("Прошу подключить дом")
    await harness.deliver()
    return staff


async def _saved(harness: BotHarness, staff: StaffPerson, texts: Texts) -> Any:
    await staff.press(texts.plain("staff-register-save"))
    await harness.deliver()
    async with harness.app.sessionmaker() as session:
        return (await session.execute(select(AppealRow))).scalars().one()


async def test_without_the_measures_the_appeal_is_registered_with_none(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _to_summary(harness, texts)
    row = await _saved(harness, staff, texts)
    assert (row.measures_taken, row.measures_planned, row.contract_concluded) == ("", "", False)


async def test_measures_and_contract_given_from_the_summary_are_registered(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _to_summary(harness, texts)
    await staff.press(texts.plain("staff-register-measures"))
    [asked] = await _said(harness)
    assert asked.startswith(texts.get("staff-register-measures-taken", max=MEASURES_MAX)[:30])
    await staff.send("Выдан перечень документов")
    [asked] = await _said(harness)
    assert asked.startswith(texts.get("staff-register-measures-planned", max=MEASURES_MAX)[:30])
    await staff.send("Выезд на место 10.12")
    [asked] = await _said(harness)
    assert asked == texts.get("staff-register-contract")
    await staff.press(texts.plain("staff-register-contract-yes"))
    [summary] = await _said(harness)
    assert "Выдан перечень документов" in summary and "Выезд на место 10.12" in summary
    assert texts.plain("staff-register-contract-yes").lower() in summary
    row = await _saved(harness, staff, texts)
    assert (row.measures_taken, row.measures_planned, row.contract_concluded) == (
        "Выдан перечень документов",
        "Выезд на место 10.12",
        True,
    )


async def test_coming_back_to_the_measures_keeps_what_was_entered(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _to_summary(harness, texts)
    await staff.press(texts.plain("staff-register-measures"))
    await staff.send("Проверено напряжение")
    await staff.send("Замена ввода")
    await harness.deliver()
    await staff.press(texts.plain("staff-register-contract-yes"))
    await harness.deliver()
    # Back again: the taken measure is kept with a button, the planned one cleared with "-".
    await staff.press(texts.plain("staff-register-measures"))
    [asked] = await _said(harness)
    assert texts.get("staff-register-measures-now", text="Проверено напряжение") in asked
    await staff.press(texts.plain("staff-register-measures-keep"))
    [asked] = await _said(harness)
    assert texts.get("staff-register-measures-now", text="Замена ввода") in asked
    await staff.send("-")
    await harness.deliver()
    await staff.press(texts.plain("staff-register-contract-no"))
    [summary] = await _said(harness)
    assert "Проверено напряжение" in summary and "Замена ввода" not in summary
    row = await _saved(harness, staff, texts)
    assert (row.measures_taken, row.measures_planned, row.contract_concluded) == (
        "Проверено напряжение",
        "",
        False,
    )


async def test_a_measure_longer_than_the_register_takes_is_refused_and_the_step_stays(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _to_summary(harness, texts)
    await staff.press(texts.plain("staff-register-measures"))
    await harness.deliver()
    await staff.send("м" * (MEASURES_MAX + 1))
    [refusal] = await _said(harness)
    assert refusal == texts.get(
        "staff-register-measures-long", max=MEASURES_MAX, length=MEASURES_MAX + 1
    )
    await staff.send("Заменён прибор учёта")  # the same step: the measures taken
    [asked] = await _said(harness)
    assert asked.startswith(texts.get("staff-register-measures-planned", max=MEASURES_MAX)[:30])
    await staff.send("-")
    await harness.deliver()
    await staff.press(texts.plain("staff-register-contract-no"))
    await harness.deliver()
    row = await _saved(harness, staff, texts)
    assert row.measures_taken == "Заменён прибор учёта"


async def test_a_button_of_the_measures_from_an_old_message_does_nothing(
    harness: BotHarness, texts: Texts
) -> None:
    staff = await _to_summary(harness, texts)
    await staff.press(texts.plain("staff-register-measures"))
    await staff.send("Выдан ответ")
    await harness.deliver()
    # At the planned measure's step, «Да» of no message yet, and the summary's button again.
    calls = await staff.press(texts.plain("staff-register-measures"))
    assert not _group_messages(calls)
    await staff.send("-")
    await harness.deliver()
    await staff.press(texts.plain("staff-register-contract-no"))
    await harness.deliver()
    row = await _saved(harness, staff, texts)
    assert (row.measures_taken, row.contract_concluded) == ("Выдан ответ", False)
