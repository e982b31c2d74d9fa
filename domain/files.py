"""Files a person sends (152-ФЗ ст. 18 ч. 5): every attachment, voice appeal and meter photo
is kept in the company's own storage, not only as Telegram's file id. What is taken (kinds,
types, sizes), and the record of one file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NewType

from domain.errors import DomainError

StoredFileId = NewType("StoredFileId", int)

# The Bot API gives a bot files up to 20 MB (getFile): a larger one could not be stored.
# https://core.telegram.org/bots/api#getfile
MAX_FILE_BYTES = 20 * 1024 * 1024
MB = 1024 * 1024


class FileKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"


class FileState(StrEnum):
    PENDING = "pending"  # recorded with the step; the bytes not fetched yet
    STORED = "stored"  # in the company's storage, with its checksum
    FAILED = "failed"  # Telegram no longer gives the file: every retry failed


# Documents of the kinds a consumer sends with an appeal (scans, photos, office files); an
# executable or an archive is refused: staff could not open it safely.
DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/heic",
        "image/heif",
        "image/webp",
        "image/tiff",
        "image/bmp",
        "text/plain",
        "text/csv",
        "application/rtf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
DOCUMENT_EXTENSIONS = frozenset(
    {
        "pdf", "jpg", "jpeg", "png", "heic", "heif", "webp", "tif", "tiff", "bmp", "txt",
        "csv", "rtf", "doc", "docx", "xls", "xlsx", "odt", "ods",
    }
)  # fmt: skip
VOICE_TYPES = frozenset({"audio/ogg", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/opus"})


class FileTooLarge(DomainError):
    text_key = "file-too-large"

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"a file is at most {limit_bytes} bytes")
        self.limit_bytes = limit_bytes

    @property
    def text_args(self) -> Mapping[str, Any]:
        return {"mb": self.limit_bytes // MB}


class FileTypeRefused(DomainError):
    text_key = "file-type-refused"


def check_received(kind: FileKind, *, mime_type: str, file_name: str, size: int | None) -> None:
    """A file is taken if the bot can download it (size) and staff can open it (type).
    A photo is always an image Telegram has re-encoded; a voice message is Telegram's own."""
    if size is not None and size > MAX_FILE_BYTES:
        raise FileTooLarge(MAX_FILE_BYTES)
    mime = mime_type.lower().split(";")[0].strip()
    if kind is FileKind.DOCUMENT:
        # Telegram's mime_type is optional, and some apps send the generic one: then the
        # name's extension decides; both, when both are known, must be of a kind taken.
        extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
        known_mime = mime not in {"", "application/octet-stream"}
        if (
            (known_mime and mime not in DOCUMENT_TYPES)
            or (extension and extension not in DOCUMENT_EXTENSIONS)
            or (not known_mime and not extension)
        ):
            raise FileTypeRefused("a document of a refused type")
    elif kind is FileKind.VOICE and mime and mime not in VOICE_TYPES:
        raise FileTypeRefused("a voice message of a refused type")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedFile:
    """A file as Telegram announced it, before its bytes are fetched."""

    kind: FileKind
    file_id: str
    file_unique_id: str
    file_name: str = ""
    mime_type: str = ""
    size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFile:
    """The company's record of a file a person sent."""

    id: StoredFileId
    kind: FileKind
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    size: int | None
    user_id: int | None
    received_at: datetime
    state: FileState
    sha256: str | None = None
    storage_key: str | None = None
    attempts: int = 0


# A fetch that failed is tried again after 2**attempts seconds (at most an hour), up to
# MAX_FETCH_ATTEMPTS times; Telegram keeps a file id for at least an hour.
MAX_FETCH_ATTEMPTS = 12


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))
