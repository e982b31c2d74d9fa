"""Ports of the company's file storage (152-ФЗ ст. 18 ч. 5); services/ports.py re-exports
them. storage/files*.py implements them, notifier/file_fetch.py the Telegram side."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.files import ReceivedFile, StoredFile, StoredFileId


class FileStore(Protocol):
    """Where the bytes live: a folder by default (storage/files.py), or an S3-compatible
    store (storage/files_s3.py). Content-addressed: the key is derived from the checksum, so
    storing the same bytes twice keeps one copy."""

    async def put(self, data: bytes, *, sha256: str) -> str:
        """Store `data` (its checksum given); returns its key."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The bytes under `key`, or None if they are not there."""
        ...

    async def delete(self, key: str) -> None:
        """Erase the bytes under `key`; nothing happens if they are not there (retention
        forgives a run cut short and started again)."""
        ...


class FileRegistry(Protocol):
    """The records of files people sent (table stored_files), in the current transaction."""

    async def record(self, file: ReceivedFile, *, user_id: int, at: datetime) -> StoredFile:
        """The record of `file`, new (pending) or the one kept for the same file before."""
        ...

    async def due(self, *, now: datetime, limit: int) -> list[StoredFile]:
        """Pending records whose fetch is due, oldest first."""
        ...

    async def stored(
        self, file_id: StoredFileId, *, sha256: str, key: str, at: datetime
    ) -> None: ...

    async def fetch_failed(
        self, file_id: StoredFileId, *, error: str, retry_at: datetime | None
    ) -> None:
        """Counts a failed fetch; tried again at `retry_at`, or never (state failed)."""
        ...

    async def by_telegram_id(self, file_id: str) -> StoredFile | None:
        """The record of a Telegram file id (or of the file's unique id)."""
        ...

    async def of_user(self, user_id: int) -> Sequence[StoredFile]: ...


class FileSource(Protocol):
    """Telegram's side: the bytes of a file id (Bot API getFile and its download URL)."""

    async def download(self, file_id: str) -> bytes: ...
