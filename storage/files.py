"""The company's file storage (152-ФЗ ст. 18 ч. 5): the records of files people sent
(table stored_files) and the default place of their bytes, a folder sharded by checksum.
An S3-compatible store is in storage/files_s3.py."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.files import FileKind, FileState, ReceivedFile, StoredFile, StoredFileId
from domain.limits import fit_file_name
from storage.models import StoredFileLinkRow, StoredFileRow
from storage.uow import UnitOfWork

_TABLE = StoredFileRow.__table__
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_BY_UNIQUE = select(_TABLE).where(_TABLE.c.file_unique_id == bindparam("unique"))
_BY_TELEGRAM_ID = (
    select(_TABLE)
    .where(
        or_(
            _TABLE.c.file_id == bindparam("file_id"),
            _TABLE.c.file_unique_id == bindparam("file_id"),
        )
    )
    .order_by(_TABLE.c.id.desc())
    .limit(1)
)
_DUE = (
    select(_TABLE)
    .where(_TABLE.c.state == FileState.PENDING.value, _TABLE.c.not_before <= bindparam("now"))
    .order_by(_TABLE.c.not_before, _TABLE.c.id)
    .limit(bindparam("limit"))
)
_OF_USER = select(_TABLE).where(_TABLE.c.user_id == bindparam("user_id")).order_by(_TABLE.c.id)
_EVERY = select(_TABLE).order_by(_TABLE.c.id)
_ROW = _TABLE.c.id == bindparam("row_id")


@lru_cache(maxsize=4)
def _insert(dialect: str) -> Any:
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert_(StoredFileRow).on_conflict_do_nothing(
        index_elements=[StoredFileRow.file_unique_id]
    )


@lru_cache(maxsize=4)
def link_statement(dialect: str) -> Any:
    """Links the stored file of a Telegram id (`ref`: a unique id or a file id) to the row it
    came with (`owner`: appeals | readings, `owner_id`), for retention to erase it with that
    row; nothing if the file has no record, or the link exists. Executed with the row's
    insert, so the file's record (written at an earlier step) is there."""
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    source = select(
        _TABLE.c.id, bindparam("owner", type_=String()), bindparam("owner_id", type_=Integer())
    ).where(or_(_TABLE.c.file_unique_id == bindparam("ref"), _TABLE.c.file_id == bindparam("ref")))
    return (
        insert_(StoredFileLinkRow)
        .from_select(["stored_file_id", "owner", "owner_id"], source)
        .on_conflict_do_nothing()
    )


def _file(row: Any) -> StoredFile:
    return StoredFile(
        id=StoredFileId(row.id),
        kind=FileKind(row.kind),
        file_id=row.file_id,
        file_unique_id=row.file_unique_id,
        file_name=row.file_name,
        mime_type=row.mime_type,
        size=row.size,
        user_id=row.user_id,
        received_at=row.received_at,
        state=FileState(row.state),
        sha256=row.sha256,
        storage_key=row.storage_key,
        attempts=row.attempts,
    )


class SqlFileRegistry:
    """The records of files, in the unit of work's transaction. A new record wakes the
    fetcher once the transaction is committed (`wake`)."""

    def __init__(self, uow: UnitOfWork, *, wake: Callable[[], None] | None = None) -> None:
        self._uow = uow
        self._wake = wake

    async def record(self, file: ReceivedFile, *, user_id: int, at: datetime) -> StoredFile:
        session = self._uow.session
        await session.execute(
            _insert(session.bind.dialect.name),
            {
                "file_unique_id": file.file_unique_id[:128],
                "file_id": file.file_id[:256],
                "kind": file.kind.value,
                "file_name": fit_file_name(file.file_name),
                "mime_type": file.mime_type[:128],
                "size": file.size,
                "user_id": user_id,
                "received_at": at,
                "state": FileState.PENDING.value,
                "attempts": 0,
                "not_before": at,
                "last_error": "",
            },
        )
        row = (await session.execute(_BY_UNIQUE, {"unique": file.file_unique_id[:128]})).one()
        if row.state != FileState.STORED.value and row.file_id != file.file_id:
            # Sent again before it could be fetched: the newer id is the one Telegram keeps.
            await session.execute(
                update(StoredFileRow)
                .where(_ROW)
                .values(
                    file_id=file.file_id[:256],
                    state=FileState.PENDING.value,
                    attempts=0,
                    not_before=at,
                ),
                {"row_id": row.id},
            )
            row = (await session.execute(_BY_UNIQUE, {"unique": file.file_unique_id[:128]})).one()
        self._uow.mark_written()
        if self._wake is not None and row.state == FileState.PENDING.value:
            self._uow.after_commit(self._wake)
        return _file(row)

    async def due(self, *, now: datetime, limit: int) -> list[StoredFile]:
        result = await self._uow.session.execute(_DUE, {"now": now, "limit": limit})
        return [_file(row) for row in result]

    async def stored(self, file_id: StoredFileId, *, sha256: str, key: str, at: datetime) -> None:
        await self._uow.session.execute(
            update(StoredFileRow)
            .where(_ROW)
            .values(
                state=FileState.STORED.value,
                sha256=sha256,
                storage_key=key,
                stored_at=at,
                last_error="",
            ),
            {"row_id": file_id},
        )
        self._uow.mark_written()

    async def fetch_failed(
        self, file_id: StoredFileId, *, error: str, retry_at: datetime | None
    ) -> None:
        values: dict[str, Any] = {
            "attempts": StoredFileRow.attempts + 1,
            "last_error": error[:300],
        }
        if retry_at is None:
            values["state"] = FileState.FAILED.value
        else:
            values["not_before"] = retry_at
        await self._uow.session.execute(
            update(StoredFileRow).where(_ROW).values(**values), {"row_id": file_id}
        )
        self._uow.mark_written()

    async def by_telegram_id(self, file_id: str) -> StoredFile | None:
        row = (await self._uow.session.execute(_BY_TELEGRAM_ID, {"file_id": file_id})).first()
        return _file(row) if row is not None else None

    async def of_user(self, user_id: int) -> Sequence[StoredFile]:
        result = await self._uow.session.execute(_OF_USER, {"user_id": user_id})
        return [_file(row) for row in result]

    async def every(self) -> Sequence[StoredFile]:
        """Every record, for the registry's export (`reception export files`)."""
        return [_file(row) for row in await self._uow.session.execute(_EVERY)]


def content_key(sha256: str) -> str:
    """Where bytes of this checksum live: `ab/cd/abcd…` (two levels keep folders small)."""
    if not _SHA256.match(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class FolderFileStore:
    """Bytes in a folder of the company's server (FILES_DIR), one file per checksum. A file
    is written under a temporary name and renamed, so a crash never leaves half a file under
    a checksum's name."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, data: bytes, *, sha256: str) -> str:
        key = content_key(sha256)
        await asyncio.to_thread(self._write, self.root / key, data)
        return key

    async def get(self, key: str) -> bytes | None:
        path = self.root / content_key(key.rsplit("/", 1)[-1])
        return await asyncio.to_thread(_read, path)

    async def delete(self, key: str) -> None:
        path = self.root / content_key(key.rsplit("/", 1)[-1])
        await asyncio.to_thread(path.unlink, missing_ok=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists() and path.stat().st_size == len(data):
            return  # the same bytes, stored before
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
