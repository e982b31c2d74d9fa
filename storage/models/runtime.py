"""The bot's own state: dialog state, processed updates, submitted drafts, the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class DialogStateRow(Base):
    """aiogram FSM state and data, one row per storage key (see storage/fsm.py)."""

    __tablename__ = "dialog_states"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProcessedUpdateRow(Base):
    """Ids of updates whose effects were committed: a redelivered one is skipped. `answered`
    is false while the handler that stored something has not finished its replies: a row
    still false at start-up means the process died in between (storage/dedup.py)."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    answered: Mapped[bool] = mapped_column(default=True, server_default=true())


class SubmittedDraftRow(Base):
    """A dialog's final step, done: the token its final button carried and the record the
    draft became. The same button pressed again finds the record instead of making another
    or doing nothing (issue 11). No personal data: the record says whose it is."""

    __tablename__ = "submitted_drafts"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # appeal | reading | booking
    record_id: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class OutboxRow(Base):
    """One outgoing Bot API call, stored before it is sent (SPEC §8, notifier/outbox.py)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The same notice to the same person is queued once: NULL for messages with no such key.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    method: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # A notice's row: one per notice and recipient (SPEC §8), its outcome the delivery record.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    # A message to a consumer about an appeal that must reach them (an answer, a question, a
    # notice of extension, forwarding or refusal): what it is, so that staff are told when it
    # cannot be delivered (notifier/undelivered.py). No foreign key: the outbox outlives data.
    appeal_id: Mapped[int | None] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint("notice_id", "chat_id"),
        # The sender's page: a range of pending rows in (urgent, id) order (storage/outbox.py).
        Index("ix_outbox_due", "status", "urgent", "id"),
        # ... and, per row, whether its chat has `per_chat` due rows before it.
        Index("ix_outbox_chat_due", "chat_id", "status", "urgent", "id"),
    )
