"""Files people send, kept in the company's own storage (152-ФЗ ст. 18 ч. 5: personal data
of Russian citizens are recorded and stored in databases located in Russia, not only on
Telegram's servers).

A file is taken in two steps so that the person's step is never delayed or lost: its record
(Telegram's ids, size, type) is written in the same transaction as the dialog step, and its
bytes are fetched right after the commit by the fetcher (notifier/file_fetch.py), which
also retries: a crash between the two leaves a pending record, fetched at the next start.
Staff get a file by its Telegram id while Telegram keeps it, and by uploading the stored
bytes after (notifier/file_resend.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from domain.clock import Clock
from domain.files import (
    MAX_FETCH_ATTEMPTS,
    MAX_FILE_BYTES,
    FileKind,
    FileTooLarge,
    ReceivedFile,
    StoredFile,
    check_received,
    retry_delay,
)
from domain.ids import UserId
from services.files_ports import FileRegistry, FileSource, FileStore
from services.ports import Attachment


def received_file(item: Attachment) -> ReceivedFile:
    """An appeal's attachment as a file to keep."""
    return ReceivedFile(
        kind=FileKind(item.kind),
        file_id=item.file_id,
        file_unique_id=item.file_unique_id,
        file_name=item.file_name,
        mime_type=item.mime_type,
        size=item.size,
    )


class FileIntake:
    """Takes a file a person sends at a dialog step."""

    def __init__(self, *, registry: FileRegistry, clock: Clock) -> None:
        self._registry = registry
        self._clock = clock

    async def take(self, file: ReceivedFile, *, user_id: UserId) -> StoredFile:
        """Checks the file (FileTooLarge, FileTypeRefused: the step stays where it is) and
        records it in the step's transaction, to be fetched once that is committed."""
        check_received(
            file.kind, mime_type=file.mime_type, file_name=file.file_name, size=file.size
        )
        return await self._registry.record(file, user_id=user_id, at=self._clock.now())

    async def of_user(self, user_id: UserId) -> Sequence[StoredFile]:
        """What the person sent, for /mydata and the registry."""
        return await self._registry.of_user(user_id)


@dataclass(frozen=True, slots=True)
class Fetched:
    sha256: str
    key: str
    size: int


class FileKeeper:
    """Moves a file's bytes from Telegram into the company's storage, and back out."""

    def __init__(self, *, source: FileSource | None, store: FileStore, clock: Clock) -> None:
        self._source = source
        self._store = store
        self._clock = clock

    async def fetch(self, record: StoredFile) -> Fetched:
        """Downloads the file and stores it under its checksum. Raises what the download
        raises, or FileTooLarge for more bytes than announced limits allow."""
        assert self._source is not None, "a keeper without a source only reads"
        data = await self._source.download(record.file_id)
        if len(data) > MAX_FILE_BYTES:
            raise FileTooLarge(MAX_FILE_BYTES)
        digest = hashlib.sha256(data).hexdigest()
        key = await self._store.put(data, sha256=digest)
        return Fetched(sha256=digest, key=key, size=len(data))

    async def save(self, registry: FileRegistry, record: StoredFile, fetched: Fetched) -> None:
        await registry.stored(
            record.id, sha256=fetched.sha256, key=fetched.key, at=self._clock.now()
        )

    async def failed(self, registry: FileRegistry, record: StoredFile, error: str) -> None:
        """Tried again after a backoff, until MAX_FETCH_ATTEMPTS; then given up."""
        attempts = record.attempts + 1
        retry_at = None
        if attempts < MAX_FETCH_ATTEMPTS:
            retry_at = self._clock.now() + retry_delay(attempts)
        await registry.fetch_failed(record.id, error=error, retry_at=retry_at)

    async def content(self, record: StoredFile) -> bytes | None:
        """The stored bytes, if they are there and still match their checksum."""
        if record.storage_key is None or record.sha256 is None:
            return None
        data = await self._store.get(record.storage_key)
        if data is None or hashlib.sha256(data).hexdigest() != record.sha256:
            return None
        return data
