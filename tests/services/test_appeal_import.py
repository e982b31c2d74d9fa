"""A paper journal imported twice is registered once (issue 11, point 15), on the real
database: the fingerprints are stored with the appeals, in the importing transaction."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.appeals import Actor, ActorKind
from domain.clock import FixedClock
from services.appeal_import import AppealImportReport, AppealImportService
from services.appeals import AppealPolicy, AppealService
from storage.appeals import SqlAppealRepository, SqlJournalKeys, SqlNumberSequence
from storage.calendar import ProductionCalendar
from storage.repositories import SqlAccountLinks, SqlConsents
from storage.uow import UnitOfWork

ZONE = ZoneInfo("Europe/Moscow")
POLICY = AppealPolicy(prefix="VE", zone=ZONE, answer_days={}, reopen_window=timedelta(days=10))
JOURNAL = (Path(__file__).resolve().parents[2] / "examples" / "appeals.csv").read_text("utf-8")


async def _import(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, text: str
) -> AppealImportReport:
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = AppealService(
        appeals=SqlAppealRepository(uow),
        numbers=SqlNumberSequence(uow),
        consents=SqlConsents(uow),
        links=SqlAccountLinks(uow),
        calendar=ProductionCalendar(),
        clock=clock,
        policy=POLICY,
    )
    importer = AppealImportService(appeals=service, zone=ZONE, journal=SqlJournalKeys(uow))
    report = await importer.import_journal(text, actor=Actor(ActorKind.SYSTEM, None, "import"))
    await uow.commit()
    return report


async def test_a_journal_imported_twice_is_registered_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    first = await _import(sessionmaker, clock, JOURNAL)
    assert first.registered == ["VE-2026-000001", "VE-2026-000002", "VE-2026-000003"]
    header, *rows = JOURNAL.splitlines()
    short = rows[0].replace("Вечером падает напряжение, лампы еле светят.", "Нет.")
    # Again, with one row re-typed in other case and spacing, a repeat and a short new row.
    retyped = rows[1].replace("Кузнецов Олег Владимирович", "КУЗНЕЦОВ  олег владимирович")
    second = await _import(sessionmaker, clock, "\n".join([header, short, *rows, retyped]))
    assert [(r.line, r.reason, r.detail) for r in second.refused] == [
        (2, "appeal-error-text-too-short", ""),
        (3, "import-appeals-row-imported", "VE-2026-000001"),
        (4, "import-appeals-row-imported", "VE-2026-000002"),
        (5, "import-appeals-row-imported", "VE-2026-000003"),
        (6, "import-appeals-row-imported", "VE-2026-000002"),
    ]
    assert second.registered == []
    third = await _import(
        sessionmaker, clock, "\n".join([header, rows[0].replace("10:15", "10:16")])
    )
    assert third.registered == ["VE-2026-000004"]  # the refused rows took no number
