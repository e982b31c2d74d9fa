"""The report's files: the XLSX opens with openpyxl and carries the official headers, dates as
dates and every register row; the CSV holds the same blocks; the PNG is a picture of the size
a phone shows whole. Built over the hand-built registry of tests/report_data.py."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime, time

import openpyxl
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.texts import Texts
from domain.clock import FixedClock
from domain.reports import (
    COL_APPLICATION,
    COL_OUTCOME,
    COL_TAKEN,
    ExtraTable,
    RegisterEntry,
    Report,
    parse_period,
)
from notifier.report_files import PNG_SIZE, caption, render_png, write_csv, write_xlsx
from services.reports import ReportService
from storage.reports import SqlReports
from storage.uow import UnitOfWork
from tests import report_data
from tests.report_data import MOSCOW, REPORT_NOW

QUESTIONNAIRE = ExtraTable(
    title="Анкеты",
    header=("Вопрос", "Ответов", "Средняя оценка"),
    rows=(("Удобно ли подать обращение?", 12, 4.5),),
)


async def _build(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], label: str
) -> tuple[Report, list[RegisterEntry]]:
    await report_data.load(engine)
    uow = UnitOfWork(sessionmaker, clock=FixedClock(REPORT_NOW))
    try:
        service = ReportService(SqlReports(uow), clock=FixedClock(REPORT_NOW), zone=MOSCOW)
        period = parse_period(label)
        report = await service.build(period, extra=[QUESTIONNAIRE])
        entries = [
            RegisterEntry.named(row) async for page in service.register(period) for row in page
        ]
    finally:
        await uow.rollback()
    return report, entries


async def _each(entries: list[RegisterEntry]) -> AsyncIterator[list[RegisterEntry]]:
    for start in range(0, len(entries), 7):  # pages of 7: a page boundary inside the data
        yield entries[start : start + 7]


async def test_the_xlsx_has_the_official_sheets_headers_and_rows(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    report, entries = await _build(engine, sessionmaker, "2026")
    buffer = io.BytesIO()
    assert await write_xlsx(report, _each(entries), buffer, texts) == 40
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == [
        "Таблица 4.1",
        "Реестр 4.9",
        "Индикаторы качества",
        "Оперативные показатели",
        "Анкеты",
    ]
    table = book["Таблица 4.1"]
    assert table["A1"].value == "4.1. Обращения потребителей"
    assert table["A4"].value == "№ п/п"
    assert table["B4"].value == "Категория обращений потребителей"
    assert table["C4"].value == "Очная форма"
    assert table["F4"].value == "Заочная форма с использованием телефонной связи"
    assert [table.cell(5, c).value for c in (3, 4, 5)] == [
        "Год N-1",
        "Год N",
        "Динамика изменения показателя, %",
    ]
    assert table["A6"].value == "1"
    assert table["B6"].value == "Всего обращений потребителей, в том числе:"
    # row 1, internet (columns I, J, K): 8 → 18, +125 %
    assert [table.cell(6, c).value for c in (9, 10, 11)] == [8, 18, 125]
    assert table.freeze_panes == "C6"

    register = book["Реестр 4.9"]
    assert register["A3"].value == "№ п/п"
    assert register["B3"].value == "Идентификационный номер обращения"
    assert register["E3"].value == "Форма обращения"
    assert register["E4"].value == "Очная форма"
    assert register.cell(3, COL_OUTCOME + 1).value == "Результат рассмотрения обращения"
    assert register.cell(4, COL_OUTCOME + 1).value == (
        "Дан исчерпывающий ответ в установленные сроки"
    )
    assert register.cell(3, COL_TAKEN + 1).value == (
        "Мероприятия, выполненные по результатам рассмотрения обращения"
    )
    assert register.max_column == 31
    rows = list(register.iter_rows(min_row=5, values_only=True))
    assert len(rows) == 40
    first = rows[0]
    assert first[:2] == (1, "2026-0001")
    assert isinstance(first[2], datetime)  # a date cell, not text
    assert first[2].date() == date(2026, 1, 1)
    assert first[3] == time(1, 0)
    i_first = next(row for row in rows if row[1] == "2026-0024")
    assert i_first[COL_APPLICATION] == 1
    assert i_first[COL_TAKEN] == "Заменён счётчик"
    rejected = next(row for row in rows if row[1] == "2026-0035")
    assert rejected[COL_OUTCOME + 2] == "нецензурные либо оскорбительные выражения, угрозы"
    assert register.freeze_panes == "C5"

    indicators = book["Индикаторы качества"]
    assert indicators["A4"].value == "Доступность пункта обслуживания потребителей"
    assert indicators["C4"].value == 0.95
    assert indicators["D4"].value == 0.9
    assert indicators["C3"].value == "2026"
    assert indicators["D3"].value == "2025"
    figures = {
        row[0]: row[1:]
        for row in book["Оперативные показатели"].iter_rows(min_row=4, values_only=True)
    }
    assert figures["Всего обращений"] == (40, 20)
    assert figures["Срок ответа, дней: медиана (целые дни)"][0] == 5
    assert book["Анкеты"]["A4"].value == "Удобно ли подать обращение?"


async def test_the_csv_holds_the_table_and_the_register(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    report, entries = await _build(engine, sessionmaker, "2026")
    out = io.StringIO()
    assert await write_csv(report, _each(entries), out, texts) == 40
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["4.1. Обращения потребителей", "2026"]
    assert rows[2][:2] == ["1", "Всего обращений потребителей, в том числе:"]
    register_at = rows.index(["4.9. Информация по обращениям потребителей"])
    assert len(rows[register_at + 2]) == 31
    assert rows[register_at + 3][:4] == ["1", "2026-0001", "01.01.2026", "01:00"]
    assert len(rows) - register_at - 3 == 40


async def test_the_png_is_a_phone_sized_picture_and_the_caption_has_the_key_figures(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    report, _ = await _build(engine, sessionmaker, "2026")
    png = render_png(report, texts)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(png))
    assert picture.size == PNG_SIZE
    text = caption(report, texts)
    assert "Обращений: 40 (было 20)" in text
    assert "Исполнительность: 83,8% (было 88,9%)" in text
    assert len(text) <= 1024
