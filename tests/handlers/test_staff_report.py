"""/report in the staff chat (SPEC §9): a head picks a period and gets the XLSX and the PNG
summary; dates typed tolerantly, a wrong one told while the question stays; a specialist is
refused and audited. The monthly report goes once, on the month's first working day."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest
import pytest_asyncio
from aiogram.methods import EditMessageText, SendDocument, SendMessage, SendPhoto
from sqlalchemy import func, select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.deadlines import SetCalendar
from domain.reports import month
from domain.staff import StaffRole
from notifier.deadlines import DeadlinePolicy
from notifier.report_export import month_to_post, post_monthly_report
from storage.models import AppealRow, OutboxRow, ReportPostingRow
from tests.handlers.staff_notice_helpers import _audit, _head, _member
from tests.handlers.test_staff_chat import _filed, _with_profile
from tests.harness import STAFF_CHAT_ID, BotHarness
from tests.report_data import MOSCOW


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _files(calls: list[Any]) -> tuple[list[SendDocument], list[SendPhoto]]:
    documents = [c for c in calls if isinstance(c, SendDocument)]
    photos = [c for c in calls if isinstance(c, SendPhoto)]
    return documents, photos


def _texts(calls: list[Any]) -> list[str]:
    return [str(c.text) for c in calls if isinstance(c, SendMessage)]


async def test_a_head_picks_last_month_and_gets_the_file_and_the_picture(
    harness: BotHarness, texts: Texts
) -> None:
    head = await _head(harness)
    await head.send("/report")
    calls = await harness.deliver()
    assert texts.get("report-pick") in _texts(calls)
    labels = [label for label, _, _ in head.last_inline]
    assert labels == [
        "Этот месяц",
        "Прошлый месяц",
        "Этот квартал",
        "Этот год",
        "Свои даты…",
    ]
    await head.press("Прошлый месяц")
    documents, photos = _files(await harness.deliver())
    # NOW is 24 November 2026: last month is October.
    assert [d.document.filename for d in documents] == ["report-2026-10.xlsx"]  # type: ignore[union-attr]
    book = openpyxl.load_workbook(io.BytesIO(documents[0].document.data))  # type: ignore[union-attr]
    assert book.sheetnames[:2] == ["Таблица 4.1", "Реестр 4.9"]
    assert len(photos) == 1 and int(photos[0].chat_id) == STAFF_CHAT_ID
    assert photos[0].photo.data.startswith(b"\x89PNG")  # type: ignore[union-attr]
    assert "Отчёт за 2026-10" in str(photos[0].caption)
    assert ("report", "done", "2026-10") in await _audit(harness, head.user.id)


async def test_custom_dates_are_read_tolerantly_and_a_wrong_one_keeps_the_question(
    harness: BotHarness, texts: Texts
) -> None:
    head = await _head(harness)
    await head.send("/report")
    await harness.deliver()
    await head.press("Свои даты")
    assert texts.get("report-ask-period") in _texts(await harness.deliver())
    await head.send("с прошлой пятницы")
    assert _texts(await harness.deliver()) == [texts.get("report-period-invalid")]
    await head.send("01.10.2026 — 15.11.2026")
    calls = await harness.deliver()
    documents, photos = _files(calls)
    assert [d.document.filename for d in documents] == [  # type: ignore[union-attr]
        "report-2026-10-01_2026-11-15.xlsx"
    ]
    assert len(photos) == 1


async def test_a_period_in_the_command_goes_at_once(harness: BotHarness) -> None:
    head = await _head(harness)
    await head.send("/report 2026-Q3")
    documents, photos = _files(await harness.deliver())
    assert [d.document.filename for d in documents] == ["report-2026-Q3.xlsx"]  # type: ignore[union-attr]
    assert len(photos) == 1


async def test_a_specialist_is_refused_and_audited(harness: BotHarness, texts: Texts) -> None:
    specialist = await _member(harness, StaffRole.SPECIALIST, 8_000_002)
    await specialist.send("/report")
    calls = await harness.deliver()
    assert _texts(calls) == [texts.get("staff-error-role", value="head")]
    assert _files(calls) == ([], [])
    assert specialist.last_inline == []
    assert [(a, o) for a, o, _ in await _audit(harness, specialist.user.id)] == [
        ("report", "refused")
    ]


async def test_the_monthly_report_goes_once_on_the_first_working_day(
    harness: BotHarness,
) -> None:
    calendar = SetCalendar(days_off=[date(2027, 1, d) for d in range(1, 9)])
    assert month_to_post(date(2026, 12, 1), calendar) == month(2026, 11)  # a Tuesday
    assert month_to_post(date(2026, 12, 2), calendar) is None
    assert month_to_post(date(2027, 1, 8), calendar) is None  # holidays
    assert month_to_post(date(2027, 1, 11), calendar) == month(2026, 12)  # Monday after
    policy = DeadlinePolicy(zone=MOSCOW, calendar=calendar, staff_chat_id=STAFF_CHAT_ID)
    sessionmaker = harness.app.sessionmaker
    morning = FixedClock(datetime(2026, 12, 1, 6, 5, tzinfo=UTC))
    assert await post_monthly_report(sessionmaker, clock=morning, policy=policy) == month(2026, 11)
    assert await post_monthly_report(sessionmaker, clock=morning, policy=policy) is None
    later = FixedClock(datetime(2026, 12, 2, 6, 5, tzinfo=UTC))
    assert await post_monthly_report(sessionmaker, clock=later, policy=policy) is None
    async with sessionmaker() as session:
        rows = (await session.execute(select(OutboxRow.method, OutboxRow.chat_id))).all()
        posted = await session.scalar(select(func.count()).select_from(ReportPostingRow))
    assert sorted(rows) == [("export", STAFF_CHAT_ID), ("report_png", STAFF_CHAT_ID)]
    assert posted == 1


@pytest.mark.usefixtures("registry")
async def test_measures_and_the_contract_are_recorded_and_the_card_reminds_until_then(
    harness: BotHarness, texts: Texts
) -> None:
    _, card = await _filed(harness, texts)
    staff = await _with_profile(harness)
    await staff.reply(card, "/answer Опора заменена, напряжение в норме.")
    await harness.deliver()
    await staff.press(texts.get("staff-button-send-answer"))
    reminder = texts.get("staff-card-measures-missing")
    assert any(reminder in text for text in _all_texts(await harness.deliver()))

    await staff.reply(card, "/measures Заменена опора № 12, подтянуты контакты.")
    calls = await harness.deliver()
    assert texts.get("staff-measures-saved", number=await _number(harness)) in _texts(calls)
    shown = _all_texts(calls)
    assert any("Заменена опора № 12" in text and reminder not in text for text in shown)
    await staff.reply(card, "/planned Реконструкция ВЛ-0,4 кВ в 2027 году.")
    await staff.reply(card, "/contract может быть")
    assert texts.get("staff-contract-usage") in _texts(await harness.deliver())
    await staff.reply(card, "/contract да")
    await harness.deliver()
    async with harness.app.sessionmaker() as session:
        row = (
            await session.execute(
                select(
                    AppealRow.measures_taken,
                    AppealRow.measures_planned,
                    AppealRow.contract_concluded,
                )
            )
        ).one()
    assert tuple(row) == (
        "Заменена опора № 12, подтянуты контакты.",
        "Реконструкция ВЛ-0,4 кВ в 2027 году.",
        True,
    )
    actions = [a for a, o, _ in await _audit(harness, staff.user.id) if o == "done"]
    assert actions.count("measures") == 3  # measures, planned, contract yes (not the usage)


def _all_texts(calls: list[Any]) -> list[str]:
    return [str(c.text) for c in calls if isinstance(c, SendMessage | EditMessageText)]


async def _number(harness: BotHarness) -> str:
    async with harness.app.sessionmaker() as session:
        return str(await session.scalar(select(AppealRow.number)))
