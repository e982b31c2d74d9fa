"""Notices to subscribers: subscriptions, preferences, outages, notices, drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.limits import (
    ACCOUNT_MAX,
    DRAFT_FILE_NAME_MAX,
    HOUSES_MAX,
    NOTICE_SOURCE_MAX,
    REASON_MAX,
    SETTLEMENT_MAX,
    STREET_MAX,
)
from storage.models.base import Base, UtcDateTime


class SubscriptionRow(Base):
    """A person's choice for one notice topic (SPEC §8). No row: the topic's default."""

    __tablename__ = "subscriptions"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NoticePreferenceRow(Base):
    """ "Stop all" (always honoured) and the moment the person blocked the bot, if they did."""

    __tablename__ = "notice_preferences"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    stopped: Mapped[bool] = mapped_column(default=False)
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutageRow(Base):
    """An outage imported by staff (SPEC §8): where, when, why; closed when power is back."""

    __tablename__ = "outages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # planned | emergency
    settlement: Mapped[str] = mapped_column(String(SETTLEMENT_MAX))
    street: Mapped[str] = mapped_column(String(STREET_MAX))
    houses: Mapped[str] = mapped_column(String(HOUSES_MAX), default="")  # "" = the whole street
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | closed | cancelled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class NoticeRow(Base):
    """One notice: what, to whom (a topic's subscribers, an address, listed accounts) and
    when. Its recipients are outbox rows with its id, queued when `send_at` comes."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str] = mapped_column(String(16))  # topic | address | accounts
    urgent: Mapped[bool] = mapped_column(default=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outages.id"), index=True)
    # scheduled -> queuing -> sending -> done; or cancelled
    status: Mapped[str] = mapped_column(String(16), index=True)
    send_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    source: Mapped[str] = mapped_column(String(NOTICE_SOURCE_MAX), default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    planned: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class NoticeTargetRow(Base):
    """An account a personal notice is about (a debt, a restriction warning), with its
    figures; the people linked to the account get it."""

    __tablename__ = "notice_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    account_number: Mapped[str] = mapped_column(String(ACCOUNT_MAX))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class NoticeRecipientRow(Base):
    """Who was queued a notice, for which account: with the outbox row (sent_at, message id)
    the evidence of who was told when (§16.3, restriction warnings)."""

    __tablename__ = "notice_recipients"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_number: Mapped[str] = mapped_column(String(ACCOUNT_MAX), primary_key=True, default="")


class NoticeDraftRow(Base):
    """A notice staff prepared in the chat (an imported file or a composed text), waiting
    for their confirmation after the preview."""

    __tablename__ = "notice_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # debts | outages | ... | message
    topic: Mapped[str] = mapped_column(String(32), default="")
    file_name: Mapped[str] = mapped_column(String(DRAFT_FILE_NAME_MAX), default="")
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # draft | confirmed | cancelled
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
