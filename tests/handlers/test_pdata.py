"""Personal data as 152-ФЗ and 59-ФЗ ask: what /mydata shows and gives as a file (ст. 14),
consent versions (ст. 9), no health data (ст. 10), appeals under 59-ФЗ without the bot's
consent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile
from sqlalchemy import func, insert, select

from core.texts import Texts
from domain.appeals import VulnerableGroup
from domain.consent import text_digest
from domain.content import ContentLibrary
from storage.models import (
    AppealRow,
    BookingRow,
    BookingSlotRow,
    ConsentRow,
    ConsentTextRow,
    NoticePreferenceRow,
    ReadingSubmissionRow,
    ReadingValueRow,
    SubscriptionRow,
)
from tests.conftest import NOW
from tests.fakes import texts_of
from tests.handlers.conftest import consented
from tests.harness import BotHarness, Person

pytestmark = pytest.mark.usefixtures("registry")

COMPLAINT_TEXT = "Третий день мигает свет в доме, напряжение скачет."


async def _stored_records(harness: BotHarness, user_id: int) -> None:
    """An appeal, a reading, a booking and notice settings of the person, as the bot keeps
    them."""
    async with harness.app.engine.begin() as connection:
        await connection.execute(
            insert(AppealRow).values(
                number="ВЭ-2026-000042",
                year=2026,
                sequence=42,
                user_id=user_id,
                kind="complaint",
                subject="service_quality",
                form="internet",
                status="answered",
                registered_at=NOW - timedelta(days=40),
                received_at=NOW - timedelta(days=40),
                due_at=NOW - timedelta(days=10),
                text=COMPLAINT_TEXT,
                full_name="Иванова Мария Петровна",
                answer_channel="telegram",
            )
        )
        submission = await connection.execute(
            insert(ReadingSubmissionRow)
            .values(
                account_number="1000000001",
                meter_serial="011234567",
                period="2026-10",
                submitted_at=NOW - timedelta(days=30),
                channel="bot",
                user_id=user_id,
            )
            .returning(ReadingSubmissionRow.id)
        )
        await connection.execute(
            insert(ReadingValueRow).values(
                submission_id=submission.scalar_one(), zone=1, value_milli=12_345_600
            )
        )
        visit = NOW + timedelta(days=2)
        await connection.execute(
            insert(BookingSlotRow).values(starts_at=visit, capacity=2, taken=1)
        )
        await connection.execute(
            insert(BookingRow).values(
                number="П-0007",
                starts_at=visit,
                topic="metering",
                status="active",
                user_id=user_id,
                full_name="Иванова Мария Петровна",
                phone="+79200000001",
                channel="bot",
                created_at=NOW,
            )
        )
        await connection.execute(
            insert(SubscriptionRow).values(
                user_id=user_id, topic="tariff", enabled=False, updated_at=NOW
            )
        )


async def _to_category_step(person: Person, texts: Texts) -> None:
    """From the kind question of a new appeal to the «category» step (not linked)."""
    await person.press(texts.get("appeal-kind-complaint"))
    await person.press(texts.get("appeal-subject-service_quality"))
    await person.send(COMPLAINT_TEXT)
    await person.press(texts.get("appeal-attachments-done"))
    await person.send("Петров Сергей")
    await person.press(texts.get("appeal-skip"))
    await person.press(texts.get("appeal-channel-chat"))


async def test_152fz_st14_mydata_lists_everything(harness: BotHarness, texts: Texts) -> None:
    person = await consented(harness, texts)
    await _stored_records(harness, person.user.id)
    calls = await person.send("/mydata")
    shown = "\n".join(texts_of(calls))
    assert "ВЭ-2026-000042" in shown and texts.get("appeal-status-answered") in shown
    assert "011234567" in shown and "12345.6" in shown and "2026-10" in shown
    assert "П-0007" in shown and texts.get("booking-topic-metering") in shown
    assert texts.get("settings-topic-debt") in shown
    assert texts.get("settings-topic-tariff") not in shown  # they turned it off
    assert texts.get("mydata-consent-history") in shown
    assert str(person.user.id) in shown


async def test_152fz_st14_ch7_mydata_gives_everything_as_a_file(
    harness: BotHarness, texts: Texts
) -> None:
    person = await consented(harness, texts)
    await _stored_records(harness, person.user.id)
    await person.send("/mydata")
    calls = await person.press(texts.get("mydata-file-button"))
    documents = [call for call in calls if isinstance(call, SendDocument)]
    assert len(documents) == 1
    document = documents[0].document
    assert isinstance(document, BufferedInputFile)
    body = document.data.decode("utf-8")
    for shown in ("ВЭ-2026-000042", "011234567", "12345.6", "П-0007", str(person.user.id)):
        assert shown in body
    assert "<b>" not in body
    # Someone else's file has nothing of hers.
    other = await consented(harness, texts, user_id=7_000_077)
    await other.send("/mydata")
    calls = await other.press(texts.get("mydata-file-button"))
    other_file = next(call for call in calls if isinstance(call, SendDocument)).document
    assert isinstance(other_file, BufferedInputFile)
    assert "ВЭ-2026-000042" not in other_file.data.decode("utf-8")


async def test_152fz_st9_new_consent_version_asks_again(
    harness: BotHarness, texts: Texts, content: ContentLibrary
) -> None:
    person = harness.person()
    async with harness.app.engine.begin() as connection:
        await connection.execute(
            insert(ConsentRow).values(
                user_id=person.user.id,
                decision="given",
                text_version="2020-01-01",
                decided_at=NOW - timedelta(days=400),
            )
        )
    if harness.app.cache is not None:  # written behind the bot's back, as by an older version
        harness.app.cache.reset()
    calls = await person.send("/start")
    intro = texts.get("consent-renewal-intro", version=content.consent.version)
    assert any(text.startswith(intro) for text in texts_of(calls))
    # Anything that needs consent asks for the new text first.
    calls = await person.send(texts.get("menu-accounts"))
    assert texts_of(calls) == [texts.get("consent-renewal-needed")]
    await person.press(texts.get("consent-show-button"))
    await person.press(texts.get("consent-accept"))
    async with harness.app.sessionmaker() as session:
        versions = (
            await session.scalars(select(ConsentRow.text_version).order_by(ConsentRow.id))
        ).all()
    assert versions == ["2020-01-01", content.consent.version]
    calls = await person.send("/start")
    assert texts_of(calls)[-1] == texts.get("menu-shown")


async def test_152fz_st9_ch3_every_consent_version_text_is_archived(
    harness: BotHarness, texts: Texts, content: ContentLibrary
) -> None:
    await consented(harness, texts)
    await consented(harness, texts, user_id=7_000_002)
    async with harness.app.sessionmaker() as session:
        rows = (await session.execute(select(ConsentTextRow))).scalars().all()
    assert [(row.version, row.body, row.digest) for row in rows] == [
        (content.consent.version, content.consent.body, text_digest(content.consent.body))
    ]


async def test_59fz_appeal_is_filed_without_the_bots_consent_and_the_ground_is_told(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person()
    calls = await person.send(texts.get("menu-appeal"))
    shown = texts_of(calls)
    assert shown[0] == texts.get("appeal-legal-ground")
    assert texts.get("consent-required") not in shown
    await _to_category_step(person, texts)
    await person.press(texts.get("appeal-vulnerable-none"))
    await person.press(texts.get("appeal-summary-submit"))
    registered = texts_of(await person.deliver())[0]
    assert re.search(r"ВЭ-2026-\d{6}", registered)
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AppealRow)) == 1
        # No consent was recorded on their behalf.
        assert await session.scalar(select(func.count()).select_from(ConsentRow)) == 0


async def test_152fz_st9_notice_subscriptions_still_need_consent(
    harness: BotHarness, texts: Texts
) -> None:
    person = harness.person()
    calls = await person.send("/settings")
    assert texts_of(calls) == [texts.get("consent-required")]
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(SubscriptionRow)) == 0
        assert await session.scalar(select(func.count()).select_from(NoticePreferenceRow)) == 0


async def test_152fz_st10_no_health_category_without_separate_consent(
    harness: BotHarness, texts: Texts, content: ContentLibrary
) -> None:
    """Disability is health data (ст. 10): the appeal asks only whether help or special
    conditions are needed, without why."""
    assert "disabled" not in {group.value for group in VulnerableGroup}
    person = await consented(harness, texts)
    await person.send(texts.get("menu-appeal"))
    await _to_category_step(person, texts)
    labels = [label for label, *_ in person.last_inline]
    assert texts.get("appeal-vulnerable-needs_help") in labels
    health = re.compile(r"инвалид|здоров|болезн|диагноз", re.IGNORECASE)
    assert not [label for label in labels if health.search(label)]
    collected = content.consent.body.split("**Перечень данных:**")[1].split("**Действия")[0]
    for line in collected.splitlines():
        if health.search(line):
            assert "не запрашивает" in line, line
