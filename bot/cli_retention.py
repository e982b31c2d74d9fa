"""`reception retention [--dry-run]`: what the retention policy erases, per category
(domain/retention.py, RETENTION_* settings); the same as the bot's daily job."""

from __future__ import annotations

from typing import Any

from bot.settings import Settings
from core.texts import Texts
from domain.clock import Clock, SystemClock
from domain.retention import RetentionReport


def add_parsers(commands: Any) -> None:
    retention = commands.add_parser(
        "retention",
        help="erase or anonymise personal data past its retention period",
        description="Erase what is past its retention period (RETENTION_* settings): "
        "appeals are anonymised (the registry row stays for the reports), readings, "
        "bookings, notices, outgoing message texts and abandoned dialogs are erased; the "
        "files people sent with appeals and readings are erased from the store. The "
        "bot does the same every day at RETENTION_HOUR.",
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="count per category what would go; erase nothing"
    )


def report_lines(texts: Texts, report: RetentionReport) -> list[str]:
    head = "retention-dry-run-title" if report.dry_run else "retention-done-title"
    lines = [texts.plain(head)]
    lines += [
        texts.plain("retention-line", kind=category.value, count=count)
        for category, count in report.counts.items()
    ]
    lines += [
        texts.plain(
            "retention-files-line",
            kind=category.value,
            count=count,
            size=report.file_bytes.get(category, 0),
        )
        for category, count in report.files.items()
    ]
    lines.append(texts.plain("retention-total", count=report.total))
    return lines


async def cmd_retention(
    settings: Settings, texts: Texts, *, dry_run: bool, clock: Clock | None = None
) -> int:
    from bot.factory import file_store
    from services.retention import RetentionService
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade
    from storage.retention import SqlRetention

    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        service = RetentionService(
            store=SqlRetention(create_sessionmaker(engine)),
            files=file_store(settings),
            policy=settings.retention.policy,
            clock=clock or SystemClock(),
        )
        report = await service.run(dry_run=dry_run)
    finally:
        await engine.dispose()
    print("\n".join(report_lines(texts, report)))
    return 0
