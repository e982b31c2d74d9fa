"""Files people sent, kept in the company's storage (152-ФЗ ст. 18 ч. 5): one row per file
(its Telegram ids, what Telegram said of it, and once fetched its checksum and key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.limits import FILE_NAME_MAX, MIME_TYPE_MAX
from storage.models.base import Base, UtcDateTime


class StoredFileRow(Base):
    __tablename__ = "stored_files"
    __table_args__ = (Index("ix_stored_files_state_not_before", "state", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The same file sent twice (or an album redelivered) is one row: Telegram's unique id.
    file_unique_id: Mapped[str] = mapped_column(String(128), unique=True)
    file_id: Mapped[str] = mapped_column(String(256), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(FILE_NAME_MAX), default="")
    mime_type: Mapped[str] = mapped_column(String(MIME_TYPE_MAX), default="")
    size: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(512))
    stored_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StoredFileLinkRow(Base):
    """Which appeal or reading a stored file came with (`owner` is the retention category:
    appeals | readings). When the row is erased or anonymised its links are released, and a
    file whose links are all released goes (storage/retention.py). One file may come with
    several rows: the same photo sent twice is one stored file."""

    __tablename__ = "stored_file_links"
    __table_args__ = (
        UniqueConstraint("stored_file_id", "owner", "owner_id"),
        Index("ix_stored_file_links_owner", "owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stored_file_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("stored_files.id", ondelete="CASCADE"), index=True
    )
    owner: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
