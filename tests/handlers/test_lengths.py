"""Lengths checked as typed (issue 11 point 4): a value longer than the registry holds is
refused at its step with a message naming the limit, the dialog stays there with everything
else kept, and the finished appeal, profile or booking is stored — on PostgreSQL too, which
refuses an over-long value with an error where SQLite stores it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram.types import Document
from sqlalchemy import select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from storage.models import AppealAttachmentRow, AppealRow, DepartmentRow, StaffMemberRow
from tests.fakes import texts_of
from tests.handlers.conftest import consented
from tests.handlers.test_appeal_dialog import COMPLAINT_TEXT, _linked, _to_text_step
from tests.harness import STAFF_CHAT_ID, BotHarness

pytestmark = pytest.mark.usefixtures("registry")

PROFILE = "/profile {name}; ведущий специалист; +7 831 000-00-01; petrova@vyksa.ru"


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _too_long(texts: Texts, field: str, limit: int, length: int) -> str:
    return texts.get("error-too-long", field=field, limit=limit, length=length)


async def _rows(harness: BotHarness, statement: Any) -> list[Any]:
    async with harness.app.sessionmaker() as session:
        return list((await session.execute(statement)).all())


async def test_an_over_long_address_and_postal_contact_are_refused_at_their_step(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")

    long_address = "Выкса, ул. Ленина, " + "д" * 290
    calls = await person.send(long_address)
    assert texts_of(calls) == [_too_long(texts, "address", 300, len(long_address))]
    assert "не больше 300 символов" in texts_of(calls)[0]
    # Still at the address: a shorter one goes on to the channel.
    calls = await person.send("Выкса, ул. Ленина, 12, кв. 5")
    assert texts_of(calls) == [texts.get("appeal-ask-channel")]

    await person.press(texts.get("appeal-channel-post"))
    long_contact = "607060, Нижегородская обл., г. Выкса, " + "ул. Ленина " * 30
    calls = await person.send(long_contact)
    assert texts_of(calls) == [
        _too_long(texts, "contact", 300, len(" ".join(long_contact.split())))
    ]
    await person.send("607060, г. Выкса, ул. Ленина, д. 12, кв. 5")
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    calls = await person.deliver()  # the confirmation is queued with the registration
    assert "ВЭ-2026-000001" in texts_of(calls)[0]

    [(address, contact, name, text)] = await _rows(
        harness, select(AppealRow.address, AppealRow.contact, AppealRow.full_name, AppealRow.text)
    )
    assert address == "Выкса, ул. Ленина, 12, кв. 5"
    assert contact == "607060, г. Выкса, ул. Ленина, д. 12, кв. 5"
    assert name == "Иванова Мария Петровна" and text == COMPLAINT_TEXT  # nothing else lost


async def test_an_over_long_typed_name_is_refused_naming_the_limit(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    name = "Иванова " + "Мария" * 40
    calls = await person.send(name)
    assert texts_of(calls) == [_too_long(texts, "full_name", 200, len(name))]
    calls = await person.send("Иванова Мария Петровна")
    assert texts_of(calls) == [texts.get("appeal-ask-address")]


async def test_a_document_with_a_very_long_file_name_is_kept_with_the_name_shortened(
    harness: BotHarness, texts: Texts
) -> None:
    person = await _linked(harness, texts)
    await _to_text_step(person, texts)
    await person.send(COMPLAINT_TEXT)
    file_name = "Акт проверки " + "прибора учёта " * 25 + ".pdf"
    document = Document(file_id="doc-1", file_unique_id="doc-1", file_name=file_name)
    calls = await person.send(None, document=document)
    assert texts_of(calls) == [texts.get("appeal-attachment-added", count=1, max=10)]
    await person.press(texts.get("appeal-attachments-done"))
    await person.press("Иванова Мария Петровна")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    calls = await person.deliver()  # the confirmation is queued with the registration
    assert "ВЭ-2026-000001" in texts_of(calls)[0]
    [(stored,)] = await _rows(harness, select(AppealAttachmentRow.file_name))
    assert len(stored) == 256 and stored.startswith("Акт проверки") and stored.endswith(".pdf")


async def test_an_over_long_staff_profile_or_department_is_refused_naming_the_field(
    harness: BotHarness, texts: Texts
) -> None:
    staff = harness.staff()
    harness.configure(admin_ids=frozenset({staff.user.id}))
    long_name = "Петрова " + "Анна" * 50
    await staff.send(PROFILE.format(name=long_name))
    delivered = await harness.deliver()
    assert _too_long(texts, "full_name", 200, len(long_name)) in texts_of(delivered)
    assert await _rows(harness, select(StaffMemberRow.user_id)) == []

    position = "/profile Петрова Анна; " + "ведущий специалист " * 11 + "; +7 831 000-00-01"
    await staff.send(position)
    delivered = await harness.deliver()
    assert any("Должность — не больше 200 символов" in t for t in texts_of(delivered))

    await staff.send(PROFILE.format(name="Петрова Анна Сергеевна"))
    await harness.deliver()
    assert await _rows(harness, select(StaffMemberRow.full_name)) == [("Петрова Анна Сергеевна",)]

    await staff.send("/department " + "Отдел " * 40)
    delivered = await harness.deliver()
    assert any("Название отдела — не больше 200 символов" in t for t in texts_of(delivered))
    assert await _rows(harness, select(DepartmentRow.id)) == []


async def test_staff_registering_a_paper_appeal_are_told_the_limits_and_stay_at_the_step(
    harness: BotHarness, texts: Texts
) -> None:
    staff = harness.staff()
    await staff.send("/register")
    await harness.deliver()
    await staff.press(texts.plain("staff-form-post").capitalize())
    await harness.deliver()
    await staff.send("сегодня")
    await harness.deliver()
    long_name = "Кузнецов " + "Олег" * 50
    await staff.send(long_name)
    delivered = await harness.deliver()
    assert texts_of(delivered) == [_too_long(texts, "full_name", 200, len(long_name))]
    await staff.send("Кузнецов Олег Владимирович")
    await harness.deliver()
    await staff.press(texts.plain("appeal-channel-post"))
    await harness.deliver()
    long_contact = "607060, г. Выкса, " + "Шиморское шоссе " * 20
    await staff.send(long_contact)
    delivered = await harness.deliver()
    assert texts_of(delivered) == [_too_long(texts, "contact", 300, len(long_contact.strip()))]
    await staff.send("607060, г. Выкса, Шиморское шоссе, 3")
    delivered = await harness.deliver()
    assert texts_of(delivered) == [texts.get("staff-register-kind")]


async def test_an_over_long_name_for_a_booking_is_refused_naming_the_limit(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await person.send(texts.get("menu-booking"))
    await person.press(texts.get("booking-topic-metering"))
    await person.press("чт, 26.11")
    await person.press("10:00")
    name = "Петров " + "Сергей" * 40
    calls = await person.send(name)
    assert texts_of(calls) == [_too_long(texts, "full_name", 200, len(name))]
    calls = await person.send("Петров Сергей")
    assert texts_of(calls) == [texts.get("booking-ask-phone")]
