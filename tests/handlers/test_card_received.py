"""59-ФЗ ст. 8 ч. 2: the day an appeal reached the company is kept apart from its
registration (migration 0013); the staff card shows «Поступило: dd.mm.yyyy» when it differs
from the registration's day, and always for a letter, a call or a visit; the registry export
has it as a column of its own."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from notifier.registry_export import RegistryRow, registry_csv
from tests.handlers.test_appeal_dialog import _file_one, _linked
from tests.handlers.test_staff_chat import _card, _register_offline, _with_profile
from tests.harness import STAFF_CHAT_ID, BotHarness

pytestmark = pytest.mark.usefixtures("registry")


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _day(harness: BotHarness, days_ago: int) -> str:
    moment = harness.app.clock.now().astimezone(harness.app.config.zone)
    return f"{moment - timedelta(days=days_ago):%d.%m.%Y}"


async def _registered(harness: BotHarness, texts: Texts, received: str) -> str:
    staff = await _with_profile(harness)
    card = await _register_offline(
        harness,
        texts,
        staff,
        form="post",
        channel="post",
        contact="607060, Выкса, ул. Ленина, д. 1, кв. 2",
        kind="complaint",
        subject="service_quality",
        text="Письмо: третий день мигает свет на ул. Ленина, 5.",
        received=received,
    )
    assert card.text is not None
    return card.text


async def test_59fz_st8_ch2_card_shows_the_received_day_of_a_letter_received_earlier(
    harness: BotHarness, texts: Texts
) -> None:
    card = await _registered(harness, texts, "3 дня назад")
    assert texts.get("staff-card-received", day=_day(harness, 3)) in card
    assert "Зарегистрировано: " + _day(harness, 0) in card


async def test_59fz_st8_ch2_card_shows_the_received_day_of_an_offline_appeal_always(
    harness: BotHarness, texts: Texts
) -> None:
    card = await _registered(harness, texts, "сегодня")
    assert texts.get("staff-card-received", day=_day(harness, 0)) in card


async def test_59fz_st8_ch2_card_of_a_bot_appeal_received_as_registered_has_no_extra_line(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _file_one(person, texts)
    await harness.deliver()
    card = _card(harness).text
    assert card is not None and "Зарегистрировано: " + _day(harness, 0) in card
    assert texts.get("staff-card-received", day="")[:-1] not in card  # «Поступило:»


def test_59fz_st8_ch2_registry_export_has_the_received_moment(texts: Texts) -> None:
    zone = ZoneInfo("Europe/Moscow")
    registered = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    row = RegistryRow(
        number="ВЭ-2026-000001",
        registered_at=registered,
        received_at=registered - timedelta(days=3),
        form="post",
        kind="complaint",
        subject="service_quality",
        status="registered",
        due_at=registered + timedelta(days=30),
        answered_at=None,
        answer_channel="post",
        tasks=(),
        survey=None,
        rating=None,
        resolved=None,
    )
    [header, line] = list(
        csv.reader(
            io.StringIO(registry_csv([row], texts, zone=zone, now=registered).decode("utf-8-sig"))
        )
    )
    values = dict(zip(header, line, strict=True))
    assert (values["registered_at"], values["received_at"]) == (
        "2026-11-24 10:00",
        "2026-11-21 10:00",
    )
