"""`reception import debts|outages|tariffs|restrictions`, `reception notices`, `reception
outages`: the notifier's sources and reports on the command line (SPEC §8)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.settings import Settings
from core.texts import Texts
from domain.limits import NOTICE_SOURCE_MAX, fit_file_name
from domain.spreadsheet import csv_writer
from services.csv_import import ImportFileError, RefusedRow
from services.notice_import import ImportKind

NOTICE_IMPORTS = {
    ImportKind.DEBTS: "debts per account: account,amount,as_of,due_date (amounts like "
    "1234.50 or 1 234,50; dates YYYY-MM-DD or DD.MM.YYYY). Each linked subscriber gets "
    "the amount at once (quiet hours apart) and a payment-due reminder "
    "PAYMENT_REMINDER_DAYS before the due date.",
    ImportKind.OUTAGES: "outages: settlement,street,houses,starts_at,ends_at,kind,reason; "
    "houses like '1-15; 2-20 even; 7а' (empty: the whole street), times YYYY-MM-DD HH:MM "
    "in the company's time zone, kind planned or emergency. Planned ones go "
    "OUTAGE_NOTICE_DAYS ahead and again the evening before, emergency ones at once.",
    ImportKind.TARIFFS: "tariff changes: text,effective_date. Every subscriber to tariff "
    "news is told.",
    ImportKind.RESTRICTIONS: "restriction warnings: account,planned_date,amount. Each linked "
    "subscriber gets a personal warning; its sending time is recorded "
    "(reception notices evidence ID).",
}


def add_import_parsers(kinds: Any) -> None:
    for kind, description in NOTICE_IMPORTS.items():
        parser = kinds.add_parser(
            kind.value,
            help=description.split(":")[0] + " (notices)",
            description="Import " + description + " UTF-8 (with or without BOM), comma or "
            "semicolon separated; bad rows are refused with their line number.",
        )
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check and count who would be told; write nothing",
        )


def add_parsers(commands: Any) -> None:
    notices = commands.add_parser(
        "notices",
        help="notices to subscribers: list, report, cancel, evidence",
        description="Notices to subscribers: what was planned, sent, blocked, failed and "
        "pending, with timings.",
    )
    actions = notices.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="the latest notices (the default)")
    listing.add_argument("--limit", type=int, default=20)
    show = actions.add_parser("show", help="one notice's report")
    show.add_argument("id", type=int)
    cancel = actions.add_parser("cancel", help="stop a notice; pending messages are dropped")
    cancel.add_argument("id", type=int)
    evidence = actions.add_parser(
        "evidence",
        help="who was told for which account, and when (CSV)",
        description="CSV: user_id,account,status,sent_at,telegram_message_id,error — the "
        "time in the company's time zone.",
    )
    evidence.add_argument("id", type=int)
    evidence.add_argument("--output", type=Path, help="the file (default: standard output)")
    outages = commands.add_parser(
        "outages",
        help="open outages; close one to send 'power restored'",
        description="List open outages, or close one: its pending notices are called off "
        "and everyone it reached is told that power is back.",
    )
    outage_actions = outages.add_subparsers(dest="action", metavar="ACTION")
    outage_actions.add_parser("list", help="open outages (the default)")
    close = outage_actions.add_parser("close", help="power is back")
    close.add_argument("id", type=int)


@asynccontextmanager
async def _desk(settings: Settings, texts: Texts) -> AsyncIterator[Any]:
    from bot.factory import notice_policy
    from domain.clock import SystemClock
    from notifier.notices import NoticeDesk
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        yield NoticeDesk(
            create_sessionmaker(engine),
            texts=texts,
            clock=SystemClock(),
            policy=notice_policy(settings),
            staff_chat_id=settings.staff.chat_id,
        )
    finally:
        await engine.dispose()


def _refused_line(texts: Texts) -> Any:
    def line(row: RefusedRow) -> str:
        reason = texts.plain(row.reason, detail=row.detail)
        return texts.plain("import-refused-line", line=row.line, reason=reason)

    return line


async def cmd_import(
    settings: Settings, texts: Texts, kind: str, path: Path, dry_run: bool
) -> int:
    from notifier.notice_texts import NoticeTexts

    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError:
        print(texts.plain("import-file-not-found", path=str(path)), file=sys.stderr)
        return 2
    async with _desk(settings, texts) as desk:
        try:
            result = await desk.import_file(
                ImportKind(kind),
                raw,
                dry_run=dry_run,
                source="cli:" + fit_file_name(path.name, NOTICE_SOURCE_MAX - len("cli:")),
            )
        except ImportFileError as error:
            print(texts.plain(error.reason, detail=error.detail), file=sys.stderr)
            return 1
    print(
        NoticeTexts(texts, settings.zone, plain=True).import_result(result, _refused_line(texts))
    )
    return 0


async def cmd_notices(settings: Settings, texts: Texts, args: argparse.Namespace) -> int:
    from notifier.notice_texts import NoticeTexts

    words = NoticeTexts(texts, settings.zone, plain=True)
    action = args.action or "list"
    async with _desk(settings, texts) as desk:
        if action == "list":
            reports = await desk.recent(limit=getattr(args, "limit", 20))
            if not reports:
                print(texts.plain("notice-report-empty"))
            for report in reports:
                print(words.short(report))
            return 0
        if action == "evidence":
            return await _evidence(desk, settings, texts, args.id, args.output)
        report = await (desk.report(args.id) if action == "show" else desk.cancel(args.id))
        if report is None:
            print(texts.plain("notice-not-found", id=args.id), file=sys.stderr)
            return 1
        print(words.report(report))
        return 0


async def _evidence(
    desk: Any, settings: Settings, texts: Texts, notice_id: int, output: Path | None
) -> int:
    if await desk.report(notice_id) is None:
        print(texts.plain("notice-not-found", id=notice_id), file=sys.stderr)
        return 1
    handle = output.open("w", encoding="utf-8-sig", newline="") if output else sys.stdout
    try:
        writer = csv_writer(handle)
        writer.writerow(
            ["user_id", "account", "status", "sent_at", "telegram_message_id", "error"]
        )
        async for row in desk.evidence(notice_id):
            sent = (
                row.sent_at.astimezone(settings.zone).isoformat(" ", "seconds")
                if row.sent_at
                else ""
            )
            writer.writerow(
                [
                    row.user_id,
                    row.account_number,
                    row.status,
                    sent,
                    row.telegram_message_id or "",
                    row.last_error,
                ]
            )
    finally:
        if output:
            handle.close()
    return 0


async def cmd_outages(settings: Settings, texts: Texts, args: argparse.Namespace) -> int:
    from notifier.notice_texts import NoticeTexts

    words = NoticeTexts(texts, settings.zone, plain=True)
    async with _desk(settings, texts) as desk:
        if args.action == "close":
            notice_id = await desk.close_outage(args.id, by=None)
            if notice_id is None:
                print(texts.plain("notice-outage-not-open", id=args.id), file=sys.stderr)
                return 1
            report = await desk.report(notice_id)
            assert report is not None
            print(words.report(report))
            return 0
        outages = await desk.outages()
        if not outages:
            print(texts.plain("notice-outages-empty"))
        for outage in outages:
            print(words.outage(outage))
        return 0
