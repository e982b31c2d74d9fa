"""Operations from the command line (docs/deploy.md):

- `reception migrate-data --from URL --to URL [--force]`: move the bot's data between
  databases (SQLite to PostgreSQL; storage/data_move.py), with the bot stopped.
- `reception backup --output FILE`: SQLite through its online backup API (consistent while
  the bot runs); PostgreSQL by `pg_dump` in its custom format, the command printed (without
  the password, which goes in PGPASSWORD) and run when pg_dump is installed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.settings import Settings
from core.texts import Texts


def add_parsers(commands: Any) -> None:
    move = commands.add_parser(
        "migrate-data",
        help="copy every table from one database to another (SQLite to PostgreSQL)",
        description="Copy the bot's data from one database to another, table by table in "
        "dependency order: both are migrated first, the target must be empty (--force "
        "empties it), sequences are reset and row counts compared. Stop the bot first.",
    )
    move.add_argument("--from", dest="source", required=True, help="the source database URL")
    move.add_argument("--to", dest="target", required=True, help="the target database URL")
    move.add_argument("--force", action="store_true", help="empty a target that has data")
    move.add_argument("--batch", type=int, default=1000, help="rows per insert")
    backup = commands.add_parser(
        "backup",
        help="back the database up to a file",
        description="SQLite: an online backup (the bot may run). PostgreSQL: pg_dump in "
        "its custom format; the command is printed, and run if pg_dump is installed.",
    )
    backup.add_argument("--output", type=Path, required=True, help="the file to write")


def _async_url(url: str) -> str:
    """The drivers the bot uses, whatever a person typed (sqlite:///…, postgresql://…)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(backend)


async def cmd_migrate_data(
    texts: Texts, source: str, target: str, *, force: bool, batch: int = 1000
) -> int:
    from storage.data_move import CountMismatch, TargetNotEmpty, move_data
    from storage.engine import create_engine

    try:
        source_url, target_url = _async_url(source), _async_url(target)
    except ValueError as error:
        print(texts.plain("migrate-data-bad-url", kind=str(error)), file=sys.stderr)
        return 2
    if source_url == target_url:
        print(texts.plain("migrate-data-same"), file=sys.stderr)
        return 2
    source_engine = create_engine(source_url)
    target_engine = create_engine(target_url)
    try:
        report = await move_data(
            source_engine,
            target_engine,
            force=force,
            batch=batch,
            progress=lambda table, count: print(
                texts.plain("migrate-data-table", name=table, count=count)
            ),
        )
    except TargetNotEmpty as error:
        print(texts.plain("migrate-data-not-empty", items=", ".join(error.tables)))
        return 1
    except CountMismatch as error:
        print(
            texts.plain(
                "migrate-data-mismatch",
                name=error.table,
                source=error.source,
                total=error.target,
            ),
            file=sys.stderr,
        )
        return 1
    finally:
        await source_engine.dispose()
        await target_engine.dispose()
    print(texts.plain("migrate-data-done", count=len(report.counts), rows=report.total))
    return 0


def pg_dump_command(url: str, output: Path) -> tuple[list[str], dict[str, str]]:
    """pg_dump's arguments from the URL's parts, and the environment with the password (never
    on the command line, where `ps` shows it)."""
    parsed = make_url(url)
    command = ["pg_dump", "--format=custom", f"--file={output}"]
    if parsed.host:
        command.append(f"--host={parsed.host}")
    if parsed.port:
        command.append(f"--port={parsed.port}")
    if parsed.username:
        command.append(f"--username={parsed.username}")
    command.append(str(parsed.database or ""))
    environment = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return command, {key: str(value) for key, value in environment.items()}


def sqlite_backup(database: Path, output: Path) -> None:
    """SQLite's online backup API: a consistent copy while other connections write."""
    output.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(output)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def cmd_backup(settings: Settings, texts: Texts, output: Path) -> int:
    url = settings.database.url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = Path(parsed.database or "")
        if not database.is_file():
            print(texts.plain("backup-no-database", path=str(database)), file=sys.stderr)
            return 1
        sqlite_backup(database, output)
        print(texts.plain("backup-done", path=str(output)))
        return 0
    command, environment = pg_dump_command(url, output)
    print(texts.plain("backup-pg-command", line=" ".join(command)))
    if shutil.which("pg_dump") is None:
        print(texts.plain("backup-pg-missing"), file=sys.stderr)
        return 1
    finished = subprocess.run(command, env={**os.environ, **environment}, check=False)
    if finished.returncode != 0:
        print(texts.plain("backup-pg-failed", value=finished.returncode), file=sys.stderr)
        return 1
    print(texts.plain("backup-done", path=str(output)))
    return 0


def run_migrate_data(texts: Texts, args: Any) -> int:
    return asyncio.run(
        cmd_migrate_data(texts, args.source, args.target, force=args.force, batch=args.batch)
    )
