"""`reception export files`: the registry of files people sent, kept in the company's
storage (152-ФЗ ст. 18 ч. 5): who sent what and when, its size, type, checksum and key."""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.settings import Settings
from core.texts import Texts
from domain.files import StoredFile
from domain.spreadsheet import csv_writer

FILES_HEADER = (
    "id",
    "user_id",
    "kind",
    "received_at",
    "file_name",
    "mime_type",
    "size",
    "sha256",
    "storage_key",
    "state",
)


def add_parser(exports: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    files = exports.add_parser(
        "files",
        help="the files people sent, kept in the company's storage",
        description="Write the registry of files people sent as CSV (UTF-8 with BOM): "
        + ",".join(FILES_HEADER)
        + " — the time in the company's time zone; a file not stored yet has no checksum.",
    )
    files.add_argument("--user", type=int, help="only the files of this Telegram user id")
    files.add_argument("--output", type=Path, help="the file to write (default: standard output)")


def files_csv(files: Sequence[StoredFile], *, zone: ZoneInfo) -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(FILES_HEADER)
    for file in files:
        writer.writerow(
            (
                file.id,
                file.user_id if file.user_id is not None else "",
                file.kind.value,
                file.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                file.file_name,
                file.mime_type,
                file.size if file.size is not None else "",
                file.sha256 or "",
                file.storage_key or "",
                file.state.value,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


async def cmd_export_files(
    settings: Settings, texts: Texts, *, user_id: int | None, output: Path | None
) -> int:
    from domain.clock import SystemClock
    from storage.engine import create_engine, create_sessionmaker
    from storage.files import SqlFileRegistry
    from storage.migrate import upgrade
    from storage.uow import UnitOfWork

    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        uow = UnitOfWork(create_sessionmaker(engine), clock=SystemClock())
        try:
            registry = SqlFileRegistry(uow)
            files = await (registry.of_user(user_id) if user_id else registry.every())
        finally:
            await uow.rollback()
    finally:
        await engine.dispose()
    data = files_csv(files, zone=settings.zone)
    return await write_export(
        data,
        output,
        failed=lambda problem: texts.plain(
            "files-export-failed", path=str(output), problem=problem
        ),
        done=texts.plain("files-export-done", rows=len(files), path=str(output)),
    )


async def write_export(
    data: bytes, output: Path | None, *, failed: Callable[[str], str], done: str
) -> int:
    """An export's bytes to `output` (saying `done` on standard error), or to standard
    output when no file is given; a file that cannot be written is `failed` (exit code 1)."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        await asyncio.to_thread(output.write_bytes, data)
    except OSError as error:
        print(failed(error.strerror or ""), file=sys.stderr)
        return 1
    print(done, file=sys.stderr)
    return 0
