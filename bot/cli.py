"""The `reception` command line: run, migrate, doctor, import, export, notices, outages,
retention, pdata, report, questionnaire, bookings, console, content check, web."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from bot.cli_content import cmd_content_check
from bot.cli_files import add_parser as add_files_export_parser
from bot.cli_files import cmd_export_files
from bot.cli_notices import NOTICE_IMPORTS, add_import_parsers, cmd_notices, cmd_outages
from bot.cli_notices import add_parsers as add_notice_parsers
from bot.cli_notices import cmd_import as cmd_import_notices
from bot.cli_ops import add_parsers as add_ops_parsers
from bot.cli_ops import cmd_backup, run_migrate_data
from bot.cli_output import write_export
from bot.cli_pdata import add_parsers as add_pdata_parsers
from bot.cli_pdata import cmd_pdata_rotate
from bot.cli_questionnaires import add_parsers as add_questionnaire_parsers
from bot.cli_questionnaires import cmd_questionnaire
from bot.cli_registry import REGISTRY_KINDS, add_export_parsers, run_export
from bot.cli_reports import add_parsers as add_report_parsers
from bot.cli_reports import cmd_report
from bot.cli_retention import add_parsers as add_retention_parsers
from bot.cli_retention import cmd_retention
from bot.cli_web import add_parsers as add_web_parsers
from bot.cli_web import cmd_web
from bot.observability import JsonFormatter
from bot.settings import Settings, describe_errors, env_file
from core.texts import Texts
from domain.clock import Clock
from services.csv_import import RefusedRow
from storage.uow import UnitOfWork

R = TypeVar("R")
NOTICE_KINDS = frozenset(kind.value for kind in NOTICE_IMPORTS)

logger = logging.getLogger("reception")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reception",
        description="The interactive consumer reception of a grid company, as a Telegram bot.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run",
        help="run the bot with long polling (migrates the database first)",
        description="Run the bot with long polling. Needs BOT_TOKEN; TELEGRAM_API_URL may "
        "point at a local Bot API server or an emulator.",
    )
    add_webhook_parser(commands)
    commands.add_parser(
        "migrate", help="apply database migrations", description="Apply Alembic migrations."
    )
    commands.add_parser(
        "doctor",
        help="check the token, the staff chat, the database, the content, SMTP and Redis",
        description="Check everything the bot needs, one line each (✅ or ❌ with the fix): "
        "the token (getMe), the staff chat (a supergroup with topics, the bot an admin that "
        "may manage topics), the database and its migrations, the content folder, SMTP when "
        "SMTP_HOST is set (connect and EHLO, no mail sent), Redis when REDIS_URL is set "
        "(PING). Changes nothing. Exit code 0 only when every check passed.",
    )
    importer = commands.add_parser(
        "import", help="import data from CSV files", description="Import data from CSV files."
    )
    kinds = importer.add_subparsers(dest="kind", required=True, metavar="KIND")
    accounts = kinds.add_parser(
        "accounts",
        help="the personal-account registry (format: docs/file-formats.md)",
        description="Import the personal-account registry. UTF-8 (with or without BOM), comma "
        "or semicolon separated, header: account,full_name,settlement,street,house,flat,"
        "phone,email,category,meter_serial,meter_digits,meter_zones. Re-importing updates "
        "accounts in place. The whole file is checked first, then written in short "
        "transactions while the bot keeps working; an import interrupted while writing is "
        "finished by the next one (or by the bot at start).",
    )
    accounts.add_argument("file", type=Path, help="the CSV file")
    accounts.add_argument(
        "--dry-run",
        action="store_true",
        help="check the file and count what would be added and updated; write nothing",
    )
    appeals = kinds.add_parser(
        "appeals",
        help="appeals from a paper journal (phone, post, in person) into the registry",
        description="Register appeals received before the bot: each row gets a number of "
        "its year and a due date counted from received_at. Header: received_at,form,kind,"
        "subject,full_name,answer_channel,contact,address,text,answered_at,answer_text "
        "(docs/file-formats.md). The whole file is one transaction. A row imported before (same "
        "received_at, full_name and text) is refused with the number it got.",
    )
    appeals.add_argument("file", type=Path, help="the CSV file")
    appeals.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be registered and refused; register nothing",
    )
    add_import_parsers(kinds)
    add_notice_parsers(commands)
    add_retention_parsers(commands)
    add_questionnaire_parsers(commands)
    add_pdata_parsers(commands)
    add_report_parsers(commands)
    add_web_parsers(commands)
    exporter = commands.add_parser(
        "export", help="export data to CSV files", description="Export data to CSV files."
    )
    exports = exporter.add_subparsers(dest="kind", required=True, metavar="KIND")
    readings = exports.add_parser(
        "readings",
        help="meter readings counted for a billing month, for billing",
        description="Write the meter readings counted for a billing month as CSV (UTF-8 with "
        "BOM): account,meter,zone,value,submitted_at,channel,reference — one row per tariff "
        "zone, the value in kWh with a decimal point, the time in the company's time zone.",
    )
    readings.add_argument(
        "--period", required=True, help="the billing month, YYYY-MM (e.g. 2026-11)"
    )
    readings.add_argument(
        "--output", type=Path, help="the file to write (default: standard output)"
    )
    add_export_parsers(exports)
    add_files_export_parser(exports)
    console = commands.add_parser(
        "console",
        help="talk to the bot in this terminal, without Telegram or a token",
        description="Talk to the same bot (same handlers and database) in a terminal. "
        "Inline buttons are numbered; type a number to press one.",
    )
    console.add_argument("--user-id", type=int, default=1, help="the Telegram user id to play")
    console.add_argument(
        "--demo",
        action="store_true",
        help="a demo database of its own (data/demo.db) with the example accounts "
        "(examples/accounts.csv) loaded; the real database is not touched",
    )
    bookings = commands.add_parser(
        "bookings",
        help="the day's bookings at the service office",
        description="Print a day's active bookings at the service office (time, number, name, "
        "phone, topic, how it was made), by time.",
    )
    bookings.add_argument(
        "--day",
        type=date.fromisoformat,
        help="the day, YYYY-MM-DD (default: today in the company's time zone)",
    )
    bookings.add_argument("--csv", action="store_true", help="print CSV instead of a list")
    content = commands.add_parser(
        "content", help="reference content tools", description="Reference content tools."
    )
    content_commands = content.add_subparsers(dest="action", required=True, metavar="ACTION")
    content_commands.add_parser(
        "check",
        help="validate the content folder",
        description="Check index.yaml, pages, attachments and links of the content folder, "
        "and that the pages do not contradict the bot: office hours against OFFICE_HOURS, "
        "names of menu items, buttons and notice topics against the bot's own.",
    )
    add_ops_parsers(commands)
    return parser


def load_settings(texts: Texts) -> Settings:
    try:
        return Settings(_env_file=env_file())
    except ValidationError as error:
        lines = [texts.plain("settings-invalid-title")]
        for name, value, problem in describe_errors(error):
            shown = f"={value!r}" if value else ""
            lines.append(
                texts.plain("settings-invalid-line", name=name, value=shown, problem=problem)
            )
        lines.append(texts.plain("settings-hint"))
        print("\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None


def configure_logging(level: str, log_format: str = "text") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if log_format == "json":  # one JSON object a line, with the update id
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # These two log SQL with its parameters at DEBUG/INFO: names, phones, what people typed.
    # Personal data never goes to logs, whatever LOG_LEVEL says.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    texts = Texts.load()
    settings = load_settings(texts)
    # In the console the person reads the chat on this terminal: only warnings go there.
    configure_logging(
        "WARNING" if args.command == "console" else settings.log_level, settings.log_format
    )
    if args.command == "export" and args.kind in REGISTRY_KINDS:
        raise SystemExit(run_export(settings, texts, args))
    if args.command == "export" and args.kind == "files":
        raise SystemExit(
            asyncio.run(cmd_export_files(settings, texts, user_id=args.user, output=args.output))
        )
    if args.command == "export":
        raise SystemExit(
            asyncio.run(cmd_export_readings(settings, texts, args.period, args.output))
        )
    if args.command == "bookings":
        raise SystemExit(asyncio.run(cmd_bookings(settings, texts, args.day, as_csv=args.csv)))
    if args.command == "content":
        raise SystemExit(cmd_content_check(settings, texts))
    if args.command == "migrate":
        raise SystemExit(asyncio.run(cmd_migrate(settings, texts)))
    if args.command == "doctor":
        from bot.doctor import cmd_doctor

        raise SystemExit(asyncio.run(cmd_doctor(settings, texts)))
    if args.command == "migrate-data":
        raise SystemExit(run_migrate_data(texts, args))
    if args.command == "backup":
        raise SystemExit(cmd_backup(settings, texts, args.output))
    if args.command == "import" and args.kind in NOTICE_KINDS:
        raise SystemExit(
            asyncio.run(cmd_import_notices(settings, texts, args.kind, args.file, args.dry_run))
        )
    if args.command == "notices":
        raise SystemExit(asyncio.run(cmd_notices(settings, texts, args)))
    if args.command == "outages":
        raise SystemExit(asyncio.run(cmd_outages(settings, texts, args)))
    if args.command == "questionnaire":
        raise SystemExit(asyncio.run(cmd_questionnaire(settings, texts, args)))
    if args.command == "report":
        raise SystemExit(
            asyncio.run(
                cmd_report(
                    settings, texts, period=args.period, fmt=args.format, output=args.output
                )
            )
        )
    if args.command == "retention":
        raise SystemExit(asyncio.run(cmd_retention(settings, texts, dry_run=args.dry_run)))
    if args.command == "pdata":
        raise SystemExit(asyncio.run(cmd_pdata_rotate(settings, texts)))
    if args.command == "import" and args.kind == "appeals":
        raise SystemExit(
            asyncio.run(cmd_import_appeals(settings, texts, args.file, dry_run=args.dry_run))
        )
    if args.command == "import":
        raise SystemExit(
            asyncio.run(cmd_import_accounts(settings, texts, args.file, args.dry_run))
        )
    if args.command == "console":
        from bot.console import demo_settings, run_console

        _require_content(settings, texts)
        if args.demo:
            settings = demo_settings(settings)
        console = run_console(settings, texts, user_id=args.user_id, demo=args.demo)
        raise SystemExit(_started(texts, console))
    if args.command == "webhook":
        raise SystemExit(cmd_webhook(settings, texts, args))
    if args.command == "web":
        raise SystemExit(cmd_web(settings, texts, host=args.host, port=args.port))
    if args.command == "run":
        if settings.telegram.bot_token is None:
            print(texts.plain("token-missing"), file=sys.stderr)
            raise SystemExit(2)
        _require_content(settings, texts)
        from bot.runner import run_polling

        raise SystemExit(_started(texts, run_polling(settings, texts)))


def add_webhook_parser(commands: Any) -> None:
    webhook = commands.add_parser(
        "webhook",
        help="serve Telegram's webhook with N workers; `set`/`delete` register it",
        description="Without ACTION: serve the webhook (WEBHOOK_SECRET required) with --workers "
        "processes on one port (SO_REUSEPORT); more than one worker needs PostgreSQL and "
        "REDIS_URL (docs/scaling.md). `set` registers WEBHOOK_URL with Telegram (with the "
        "secret and the update types the bot uses), `delete` removes it (polling again).",
    )
    webhook.add_argument("action", nargs="?", choices=("set", "delete"), help="set or delete")
    webhook.add_argument("--host", default="127.0.0.1", help="address to listen on")
    webhook.add_argument("--port", type=int, default=8080, help="port to listen on")
    webhook.add_argument("--workers", type=int, default=1, help="worker processes")
    webhook.add_argument(
        "--drop-pending-updates",
        action="store_true",
        help="set/delete: Telegram drops the updates it has not delivered yet",
    )


def cmd_webhook(settings: Settings, texts: Texts, args: argparse.Namespace) -> int:
    from bot import webhook

    if args.action == "set":
        return asyncio.run(
            webhook.set_webhook(settings, texts, drop_pending=args.drop_pending_updates)
        )
    if args.action == "delete":
        return asyncio.run(
            webhook.delete_webhook(settings, texts, drop_pending=args.drop_pending_updates)
        )
    if settings.telegram.bot_token is None:
        print(texts.plain("token-missing"), file=sys.stderr)
        return 2
    _require_content(settings, texts)
    return webhook.run_workers(
        settings, texts, host=args.host, port=args.port, workers=args.workers
    )


def _started(texts: Texts, main: Coroutine[Any, Any, int]) -> int:
    """Run the bot; a fault found before anything started (bot/startup.py) is one line on
    stderr and exit code 2."""
    from bot.startup import StartupFault

    try:
        return asyncio.run(main)
    except StartupFault as fault:
        print(texts.plain(fault.key, **fault.values), file=sys.stderr)
        return 2


def _require_content(settings: Settings, texts: Texts) -> None:
    if cmd_content_check(settings, texts, quiet=True) != 0:
        raise SystemExit(2)


async def cmd_migrate(settings: Settings, texts: Texts) -> int:
    from storage.engine import create_engine
    from storage.migrate import head_revision, upgrade

    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print(texts.plain("migrate-done", revision=head_revision()))
    return 0


async def _import_file(
    settings: Settings,
    texts: Texts,
    path: Path,
    run: Callable[[bytes, UnitOfWork, Clock], Awaitable[R]],
    *,
    dry_run: bool = False,
) -> tuple[int, R | None]:
    """Read the file, open the (migrated) database and run the import as one transaction:
    it never half-applies; a dry run rolls it back. Returns the exit code and the report."""
    from sqlalchemy.exc import IntegrityError

    from domain.clock import SystemClock
    from services.csv_import import ImportFileError
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError:
        print(texts.plain("import-file-not-found", path=str(path)), file=sys.stderr)
        return 2, None
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        clock = SystemClock()
        uow = UnitOfWork(create_sessionmaker(engine), clock=clock)
        try:
            report = await run(raw, uow, clock)
            if dry_run:
                await uow.rollback()
            else:
                await uow.commit()
        except ImportFileError as error:
            await uow.rollback()
            print(texts.plain(error.reason, detail=error.detail), file=sys.stderr)
            return 1, None
        except IntegrityError:
            # Another import wrote the same rows meanwhile (a unique key refused ours); the
            # error's text would quote the rows, so it is not shown.
            await uow.rollback()
            print(texts.plain("import-concurrent"), file=sys.stderr)
            return 1, None
        except BaseException:
            await uow.rollback()
            raise
    finally:
        await engine.dispose()
    return 0, report


def _print_refused(texts: Texts, refused: Sequence[RefusedRow], *, shown: int = 200) -> None:
    for row in refused[:shown]:
        reason = texts.plain(row.reason, detail=row.detail, value="", date="")
        print(texts.plain("import-refused-line", line=row.line, reason=reason))
    if len(refused) > shown:
        print(texts.plain("import-refused-more", count=len(refused) - shown))


async def cmd_import_accounts(settings: Settings, texts: Texts, path: Path, dry_run: bool) -> int:
    """The registry import (services/account_import.py, StagedAccountImport): the file is
    checked whole, then written in short transactions while the bot keeps serving."""
    from bot.process import freeze_parsed_import
    from domain.clock import SystemClock
    from services.account_import import StagedAccountImport, parse_registry
    from services.csv_import import ImportFileError, decode
    from storage.account_import import SqlRegistryImports
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    def progress(done: int, total: int) -> None:
        print(texts.plain("import-progress", done=done, total=total), file=sys.stderr)

    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError:
        print(texts.plain("import-file-not-found", path=str(path)), file=sys.stderr)
        return 2
    try:
        parsed = parse_registry(decode(raw))
    except ImportFileError as error:
        print(texts.plain(error.reason, detail=error.detail), file=sys.stderr)
        return 1
    del raw
    freeze_parsed_import()
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        clock = SystemClock()
        importer = StagedAccountImport(
            imports=SqlRegistryImports(create_sessionmaker(engine), clock=clock)
        )
        report = await importer.write(
            parsed, now=clock.now(), dry_run=dry_run, on_progress=progress
        )
    finally:
        await engine.dispose()
    if report.resumed:
        print(texts.plain("import-resumed", accounts=report.resumed))
    _print_refused(texts, report.refused)
    print(
        texts.plain(
            "import-summary-dry-run" if report.dry_run else "import-summary",
            rows=report.rows,
            accounts=report.accounts,
            added=report.added,
            updated=report.updated,
            refused=len(report.refused),
        )
    )
    if report.dry_run:
        print(texts.plain("import-dry-run"))
    return 0


async def cmd_import_appeals(
    settings: Settings, texts: Texts, path: Path, *, dry_run: bool = False
) -> int:
    from bot.factory import app_config
    from domain.appeals import Actor, ActorKind
    from services.appeal_import import AppealImportReport, AppealImportService
    from services.appeals import AppealService
    from services.csv_import import decode
    from storage.appeals import SqlAppealRepository, SqlJournalKeys, SqlNumberSequence
    from storage.repositories import SqlAccountLinks, SqlConsents

    config = app_config(settings, texts)

    async def run(raw: bytes, uow: UnitOfWork, clock: Clock) -> AppealImportReport:
        service = AppealService(
            appeals=SqlAppealRepository(uow),
            numbers=SqlNumberSequence(uow),
            consents=SqlConsents(uow),
            links=SqlAccountLinks(uow),
            calendar=config.calendar,
            clock=clock,
            policy=config.appeal_policy,
        )
        importer = AppealImportService(
            appeals=service, zone=config.zone, journal=SqlJournalKeys(uow)
        )
        return await importer.import_journal(
            decode(raw), actor=Actor(ActorKind.SYSTEM, None, "import")
        )

    code, report = await _import_file(settings, texts, path, run, dry_run=dry_run)
    if report is None:
        return code
    _print_refused(texts, report.refused)
    print(
        texts.plain(
            "import-appeals-summary-dry-run" if dry_run else "import-appeals-summary",
            rows=report.rows,
            added=len(report.registered),
            refused=len(report.refused),
            numbers=", ".join(report.registered[:20]),
        )
    )
    if dry_run:
        print(texts.plain("import-appeals-dry-run"))
    return 0


async def cmd_export_readings(
    settings: Settings, texts: Texts, period: str, output: Path | None
) -> int:
    """Meter readings of a billing month as CSV, for billing (SPEC §5): to a file, or to
    standard output when no file is given."""
    from bot.factory import app_config
    from domain.clock import SystemClock
    from domain.readings import InvalidPeriod, parse_period
    from services.readings import ReadingService, readings_csv
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade
    from storage.readings import SqlReadingRepository
    from storage.repositories import SqlAccountLinks, SqlAccountRegistry, SqlConsents

    try:
        parse_period(period)
    except InvalidPeriod as error:
        print(texts.plain(error.text_key), file=sys.stderr)
        return 2
    config = app_config(settings, texts)
    assert config.readings_policy is not None
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        uow = UnitOfWork(create_sessionmaker(engine), clock=SystemClock())
        try:
            service = ReadingService(
                readings=SqlReadingRepository(uow),
                consents=SqlConsents(uow),
                links=SqlAccountLinks(uow),
                registry=SqlAccountRegistry(uow),
                clock=SystemClock(),
                policy=config.readings_policy,
            )
            rows = await service.export(period)
        finally:
            await uow.rollback()
    finally:
        await engine.dispose()
    data = readings_csv(rows, zone=config.zone)
    return await write_export(
        data,
        output,
        texts,
        done="reading-export-done",
        failed="reading-export-failed",
        rows=len(rows),
        period=period,
    )


async def cmd_bookings(
    settings: Settings, texts: Texts, day: date | None, *, as_csv: bool = False
) -> int:
    """A day's bookings at the service office (SPEC §6), as staff see them in the chat."""
    from bot.factory import booking_policy
    from dialogs.booking.render import day_csv_text, day_text
    from domain.clock import SystemClock
    from domain.deadlines import local_date
    from services.booking import BookingService
    from storage.booking import SqlBookingRepository
    from storage.engine import create_engine, create_sessionmaker
    from storage.migrate import upgrade
    from storage.repositories import SqlAccountLinks, SqlConsents

    clock = SystemClock()
    policy = booking_policy(settings, texts)
    shown = day or local_date(clock.now(), settings.zone)
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        uow = UnitOfWork(create_sessionmaker(engine), clock=clock)
        try:
            service = BookingService(
                bookings=SqlBookingRepository(uow),
                consents=SqlConsents(uow),
                links=SqlAccountLinks(uow),
                clock=clock,
                policy=policy,
            )
            bookings = await service.day(shown)
        finally:
            await uow.rollback()  # read only
    finally:
        await engine.dispose()
    if as_csv:
        sys.stdout.write(day_csv_text(texts, bookings, settings.zone))
    else:
        print(day_text(texts, shown, bookings, settings.zone, plain=True))
    return 0
