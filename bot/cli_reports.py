"""`reception report --period 2026 | 2026-H1 | 2026-Q4 | 2026-11 | 2026-01-01..2026-03-31
--format xlsx|csv|png --output FILE`: the Order 186 report (SPEC §9) from the registry —
table 4.1, register 4.9, the indicators and the operational figures (XLSX, CSV) or the
charts (PNG), as the staff chat's /report builds them."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings
from core.texts import Texts
from domain.clock import Clock, SystemClock
from domain.reports import InvalidReportPeriod, parse_period

FORMATS = ("xlsx", "csv", "png")


def add_parsers(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="the Order 186 report for a period: XLSX, CSV or PNG charts",
        description="Build the report for a period in the company's time zone: table 4.1 "
        "(year N-1 beside year N), register 4.9 (one row per appeal), the four quality "
        "indicators and the operational figures, with the period before beside them. XLSX: "
        "one sheet each; CSV: the same blocks one after another; PNG: four charts.",
    )
    report.add_argument(
        "--period",
        required=True,
        help="2026, 2026-H1, 2026-Q4, 2026-11 or 2026-01-01..2026-03-31",
    )
    report.add_argument("--format", choices=FORMATS, default="xlsx", help="xlsx (default)")
    report.add_argument("--output", type=Path, required=True, help="the file to write")


async def cmd_report(
    settings: Settings,
    texts: Texts,
    *,
    period: str,
    fmt: str,
    output: Path,
    clock: Clock | None = None,
) -> int:
    from notifier.report_files import render_png, write_csv, write_xlsx
    from notifier.report_questionnaires import questionnaire_section
    from services.reports import ReportService
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade
    from storage.reports import SqlReports
    from storage.uow import UnitOfWork

    try:
        chosen = parse_period(period)
    except InvalidReportPeriod:
        print(texts.plain("report-period-invalid"), file=sys.stderr)
        return 2
    if not output.parent.is_dir():
        print(texts.plain("report-output-missing", path=str(output.parent)), file=sys.stderr)
        return 2
    clock = clock or SystemClock()
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        uow = UnitOfWork(create_sessionmaker(engine), clock=clock)
        try:
            service = ReportService(SqlReports(uow), clock=clock, zone=settings.zone)
            extra = await questionnaire_section(uow, chosen, zone=settings.zone, texts=texts)
            report = await service.build(chosen, extra)
            rows = 0
            if fmt == "png":
                await asyncio.to_thread(output.write_bytes, render_png(report, texts))
            elif fmt == "csv":
                with output.open("w", encoding="utf-8-sig", newline="") as stream:
                    rows = await write_csv(report, service.register(chosen), stream, texts)
            else:
                rows = await write_xlsx(report, service.register(chosen), str(output), texts)
        finally:
            await uow.rollback()
    finally:
        await engine.dispose()
    print(
        texts.plain(
            "report-written",
            path=str(output),
            period=chosen.label,
            total=report.figures.total,
            rows=rows,
        )
    )
    return 0
