"""Golden figures of the Order 186 reports over the hand-built registry of tests/report_data.py
(60 appeals, 2025 and 2026): table 4.1 cells, register 4.9 rows, the four indicators and the
operational figures, each counted by hand from the groups in that module's docstring."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.appeal_model import ServiceForm
from domain.clock import FixedClock
from domain.reports import (
    COL_APPLICATION,
    COL_COMPLAINT,
    COL_FORM,
    COL_GENERAL,
    COL_OUTCOME,
    COL_PLANNED,
    COL_TAKEN,
    MARK,
    Outcome,
    RegisterEntry,
    Report,
    TextKey,
    month,
    parse_period,
    register_cells,
    year,
)
from services.reports import ReportService
from storage.models import AppealRow
from storage.reports import SqlReports
from storage.uow import UnitOfWork
from tests import report_data
from tests.report_data import MOSCOW, REPORT_NOW
from tests.services.test_appeal_import import _import

F = ServiceForm


async def _report(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], label: str
) -> Report:
    await report_data.load(engine)
    uow = UnitOfWork(sessionmaker, clock=FixedClock(REPORT_NOW))
    try:
        service = ReportService(SqlReports(uow), clock=FixedClock(REPORT_NOW), zone=MOSCOW)
        return await service.build(parse_period(label))
    finally:
        await uow.rollback()


async def test_table_41_of_2026_beside_2025(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    report = await _report(engine, sessionmaker, "2026")
    table = report.table
    expected: dict[tuple[str, ServiceForm], tuple[int, int]] = {
        # row 1, all appeals: in person I+J / C, phone H+L / B, internet F+G / A, post K / D,
        # other M / E
        ("1", F.IN_PERSON): (3, 9),
        ("1", F.PHONE): (4, 7),
        ("1", F.INTERNET): (8, 18),
        ("1", F.POST): (3, 4),
        ("1", F.OTHER): (2, 2),
        # 1.1 transmission: G (transmission quality), H (power quality), J (contract); B
        ("1.1", F.INTERNET): (0, 6),
        ("1.1", F.PHONE): (4, 5),
        ("1.1", F.IN_PERSON): (0, 3),
        ("1.2", F.IN_PERSON): (3, 6),  # connection: I / C
        ("1.3", F.INTERNET): (8, 12),  # metering: F / A
        ("1.4", F.POST): (3, 4),  # service quality: K / D
        ("1.5", F.PHONE): (0, 2),  # maintenance: L
        ("1.6", F.OTHER): (2, 2),  # other: M / E
        # row 2, complaints: G, H, K / B, D
        ("2", F.INTERNET): (0, 6),
        ("2", F.PHONE): (4, 5),
        ("2", F.POST): (3, 4),
        ("2", F.IN_PERSON): (0, 0),
        ("2.1", F.INTERNET): (0, 6),
        ("2.2", F.PHONE): (4, 5),
        ("2.5", F.POST): (3, 4),
        # row 3, applications: I + J / C
        ("3", F.IN_PERSON): (3, 9),
        ("3.1", F.IN_PERSON): (3, 6),
        ("3.2", F.IN_PERSON): (0, 3),
        ("3.3", F.IN_PERSON): (0, 0),
        # row 4, contracts: 3 of I + 2 of J / 1 of C
        ("4", F.IN_PERSON): (1, 5),
        # row 5, complaints answered: G 4+1, H 3+2, K 2 / B 2+2, D 1
        ("5", F.INTERNET): (0, 5),
        ("5", F.PHONE): (4, 5),
        ("5", F.POST): (1, 2),
    }
    for (number, form), (before, now) in expected.items():
        cell = table.cell(number, form)
        assert (cell.before, cell.now) == (before, now), (number, form)
    assert table.cell("1", F.INTERNET).change == 125.0  # (18 - 8) / 8
    assert table.cell("1", F.IN_PERSON).change == 200.0
    assert table.cell("1", F.POST).change == 33.3
    assert table.cell("1", F.OTHER).change == 0.0
    assert table.cell("1.5", F.PHONE).change is None  # nothing a year before
    assert [row.number for row, _ in table.rows][:8] == [
        "1",
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
        "1.6",
        "2",
    ]
    assert report.year_before == year(2025)


async def test_indicators_and_figures_of_2026_and_2025(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    report = await _report(engine, sessionmaker, "2026")
    now, before = report.indicators, report.indicators_before
    # 40 appeals, 2 without an answer on the merits (K's rejected and forwarded)
    assert now.availability == 0.95
    # information requests answered: F 12 (10 on time) + L 2 (on time) → 12 / 14
    assert now.informativeness == 0.8571
    # answered 37 (31 on time, 6 late)
    assert now.performance == 0.8378
    # rated 12, resolved 7
    assert now.feedback == 0.5833
    # 2025: 20 appeals, 2 unanswered; 18 answered, 16 on time; A's 8 on time; no ratings
    assert (before.availability, before.informativeness) == (0.9, 1.0)
    assert before.performance == 0.8889
    assert before.feedback is None

    figures = report.figures
    assert (figures.total, figures.on_time, figures.late) == (40, 31, 6)
    assert (figures.unanswered, figures.open, figures.overdue_now) == (2, 1, 1)
    assert (figures.forwarded, figures.contracts) == (1, 5)
    assert figures.refused_by_ground == {"obscene_or_threats": 1}
    assert figures.by_form == {
        "internet": 18,
        "in_person": 9,
        "phone": 7,
        "post": 4,
        "other": 2,
    }
    assert figures.by_kind["complaint"] == 15  # G 6 + H 5 + K 4
    assert figures.rated == 12
    assert figures.mean_rating == 3.92  # (6·5 + 2·4 + 3·2 + 3) / 12 = 47 / 12
    assert figures.resolved_share == 0.5833
    assert figures.surveyed_share == 0.3514  # 13 offered (12 chat + 1 e-mail) / 37 answered
    times = report.answer_times
    assert times.answered == 37
    assert times.mean_days == 9.86  # (31·5 + 6·35) / 37
    assert times.max_days == 35.0
    assert times.median_days == 5.0
    assert report.figures_before.total == 20


async def test_a_month_and_the_year_boundary_in_the_company_zone(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # January 2026: the appeal of 01:00 on 1 January Moscow time (22:00 UTC on 31 December)
    # and those registered on 10 January (serials 12, 24, 36 of 2026: G's, I's, L's).
    report = await _report(engine, sessionmaker, "2026-01")
    assert report.figures.total == 4
    assert report.previous == month(2025, 12)
    assert report.year_before == month(2025, 1)
    assert report.figures_before.total == 1  # 2025's serial 11 (December 10)
    assert len(report.trend) == 12  # a month's report still shows a year's trend
    assert report.trend[-1].month == date(2026, 1, 1)


async def test_register_49_rows_streamed_in_order(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await report_data.load(engine)
    uow = UnitOfWork(sessionmaker, clock=FixedClock(REPORT_NOW))
    try:
        service = ReportService(SqlReports(uow), clock=FixedClock(REPORT_NOW), zone=MOSCOW)
        entries = [
            RegisterEntry.named(row) async for page in service.register(year(2026)) for row in page
        ]
    finally:
        await uow.rollback()
    assert len(entries) == 40
    assert entries == sorted(entries, key=lambda e: e.registered_at)
    first = entries[0]
    # F's first appeal, the year's first: 01:00 on 1 January, Moscow time
    assert first.number == "2026-0001"
    assert first.registered_at.date() == date(2026, 1, 1)
    assert first.registered_at.time() == time(1, 0)
    cells = register_cells(first)
    assert cells[1] == "2026-0001"
    assert cells[2] == date(2026, 1, 1)
    assert cells[COL_FORM + 2] == MARK  # internet
    assert cells[COL_GENERAL + 2] == MARK  # metering
    assert cells[COL_OUTCOME] == MARK  # answered on time
    assert not any(COL_COMPLAINT <= column < COL_OUTCOME for column in cells)
    by_number = {entry.number: entry for entry in entries}
    # I's first appeal (serial 23 of 2026, number 24): application, connection; measures written
    i_first = by_number["2026-0024"]
    cells = register_cells(i_first)
    assert cells[COL_FORM] == MARK
    assert cells[COL_GENERAL + 1] == MARK
    assert cells[COL_APPLICATION] == MARK
    assert (cells[COL_TAKEN], cells[COL_PLANNED]) == ("Заменён счётчик", "Реконструкция ВЛ-0,4 кВ")
    # K's rejected (serial 34) and forwarded (35): left without an answer, with the ground
    rejected = register_cells(by_number["2026-0035"])
    assert rejected[COL_OUTCOME + 2] == TextKey("report-ground-obscene")
    assert rejected[COL_COMPLAINT + 4] == MARK  # complaint: service quality
    forwarded = register_cells(by_number["2026-0036"])
    assert forwarded[COL_OUTCOME + 2] == TextKey("report-ground-forwarded")
    # G's open appeal (serial 17): no outcome column marked
    open_one = by_number["2026-0018"]
    assert open_one.outcome is Outcome.OPEN
    assert not any(COL_OUTCOME <= c <= COL_OUTCOME + 2 for c in register_cells(open_one))
    late = [e for e in entries if e.outcome is Outcome.LATE]
    assert len(late) == 6


async def test_the_monthly_report_is_claimed_once(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    at = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    for expected in (True, False):
        uow = UnitOfWork(sessionmaker, clock=FixedClock(at))
        assert await SqlReports(uow).claim_month("2026-11", at) is expected
        await uow.commit()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2026", "2026"),
        ("2026-Q4", "2026-Q4"),
        ("2026 кв 4", "2026-Q4"),
        ("2026-H1", "2026-H1"),
        ("2026-11", "2026-11"),
        ("11.2026", "2026-11"),
        ("2026-01-01..2026-03-31", "2026-01-01..2026-03-31"),
        ("01.01.2026 - 31.03.2026", "2026-01-01..2026-03-31"),
        ("1.1.26 по 31.3.26", "2026-01-01..2026-03-31"),
    ],
)
def test_periods_are_read_tolerantly(text: str, label: str) -> None:
    assert parse_period(text).label == label


async def test_a_journal_row_brings_the_measures_and_the_contract_outcome(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    header = (
        "received_at,form,kind,subject,full_name,answer_channel,contact,address,text,"
        "answered_at,answer_text,measures_taken,measures_planned,contract"
    )
    rows = [
        "2026-11-05 09:40,in_person,application,connection_application,Иванова Мария,post,"
        '"Выкса, ул. Ленина, 1",,"Прошу подключить дом к сети.",2026-11-10 10:00,'
        '"Договор направлен.","Выданы технические условия","Строительство ВЛ",yes',
        "2026-11-06 11:00,phone,complaint,service_quality,Петров Иван,phone,+79200000001,,"
        '"Не дозвониться в диспетчерскую.",,,,,maybe',
    ]
    report = await _import(sessionmaker, clock, "\n".join([header, *rows]))
    assert len(report.registered) == 1
    assert [(r.line, r.reason) for r in report.refused] == [(3, "import-appeals-row-code")]
    async with sessionmaker() as session:
        stored = (
            await session.execute(
                select(
                    AppealRow.measures_taken,
                    AppealRow.measures_planned,
                    AppealRow.contract_concluded,
                )
            )
        ).one()
    assert tuple(stored) == ("Выданы технические условия", "Строительство ВЛ", True)
    # A journal without the three columns still imports (they are optional).
    old = header.rsplit(",", 3)[0]
    old_row = (
        "2026-11-07 12:00,phone,information_request,metering,Сидоров Пётр,phone,+79200000002,,"
        '"Когда передавать показания?",,'
    )
    assert len((await _import(sessionmaker, clock, f"{old}\n{old_row}")).registered) == 1


async def test_the_register_pages_through_in_order_without_losing_a_row(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import storage.reports

    monkeypatch.setattr(storage.reports, "_PAGE", 7)  # 40 rows: 5 full pages and a short one
    await report_data.load(engine)
    uow = UnitOfWork(sessionmaker, clock=FixedClock(REPORT_NOW))
    try:
        entries = [
            RegisterEntry.named(row)
            async for page in SqlReports(uow).register(year(2026), MOSCOW)
            for row in page
        ]
    finally:
        await uow.rollback()
    numbers = [entry.number for entry in entries]
    assert len(numbers) == len(set(numbers)) == 40
    assert entries == sorted(entries, key=lambda e: (e.registered_at, e.number))


@pytest.mark.parametrize("zone_name", ["Europe/Berlin", "America/New_York", "Asia/Kolkata"])
async def test_the_register_gives_local_dates_and_times_in_any_zone(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], zone_name: str
) -> None:
    """The database adds the zone's offset piece by piece (summer time included): every row's
    date and time are those zoneinfo gives for the stored moment."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)
    await report_data.load(engine)
    async with engine.connect() as connection:
        stored = dict(
            (await connection.execute(select(AppealRow.number, AppealRow.registered_at))).all()
        )
    uow = UnitOfWork(sessionmaker, clock=FixedClock(REPORT_NOW))
    try:
        entries = [
            RegisterEntry.named(row)
            async for page in SqlReports(uow).register(year(2026), zone)
            for row in page
        ]
    finally:
        await uow.rollback()
    assert entries
    for entry in entries:
        moment = stored[entry.number]
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        local = moment.astimezone(zone).replace(tzinfo=None, microsecond=0)
        assert entry.registered_at == local, entry.number
    assert len({entry.registered_at.utcoffset() for entry in entries}) == 1  # naive, local
