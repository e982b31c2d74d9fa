"""The staff chat: departments, members, threads and topics, messages, audit, tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.limits import (
    CONTACT_MAX,
    DEPARTMENT_MAX,
    EMAIL_MAX,
    FULL_NAME_MAX,
    PHONE_MAX,
    POSITION_MAX,
)
from storage.models.base import Base, UtcDateTime


class DepartmentRow(Base):
    """§15.3: appeals are assigned to a department, then to an executor in it."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(DEPARTMENT_MAX), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # §15.5: the head who signs the department's answers (a staff member's user id).
    head_user_id: Mapped[int | None] = mapped_column(BigInteger)


class StaffMemberRow(Base):
    """A staff profile: the role and the signature of the answers (§15.5)."""

    __tablename__ = "staff_members"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX), default="")
    position: Mapped[str] = mapped_column(String(POSITION_MAX), default="")
    phone: Mapped[str] = mapped_column(String(PHONE_MAX), default="")
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="")
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AppealThreadRow(Base):
    """Where an appeal lives in the staff chat: its forum topic, or its card message."""

    __tablename__ = "appeal_threads"

    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    topic_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_appeal_threads_topic", "chat_id", "topic_id"),)


class AppealTopicRow(Base):
    """Every forum topic an appeal ever had (one is its thread; others were left by a crash
    or replaced a deleted one): a staff message in any of them belongs to the appeal."""

    __tablename__ = "appeal_topics"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    topic_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeals.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffMessageRow(Base):
    """Every bot message about an appeal in the staff chat, so a reply to any of them finds
    the appeal."""

    __tablename__ = "staff_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeals.id", ondelete="CASCADE"), index=True
    )


class StaffAuditRow(Base):
    """Every staff action, done or refused (SPEC §3): who, when, what, on which appeal."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(32))
    appeal_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")


class AppealTaskRow(Base):
    """A notice to the appellant (an answer, an extension, a question...) that goes by post,
    e-mail or phone (59-ФЗ ст. 8 ч. 3, ст. 11, ст. 12 ч. 2; §17.6), or a message that did
    not reach a Telegram chat: the bot sends e-mails, staff mark the rest done."""

    __tablename__ = "appeal_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeals.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[int | None] = mapped_column(BigInteger)
    # What made the task, when it must be made once (a message that was not delivered).
    origin: Mapped[str | None] = mapped_column(String(64))
    # The notice (ConsumerMessage or a later kind), the full text to send and where to.
    kind: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(CONTACT_MAX))
    # An e-mail the bot sends: failed tries so far, and why the last one failed.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("appeal_id", "origin"),)


class AppealSurveyRow(Base):
    """How the satisfaction survey (SPEC §9) was offered after the answer: in the chat, by an
    e-mail, at the next contact, or not at all (no channel); the answers are the appeal's."""

    __tablename__ = "appeal_surveys"

    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    mode: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A rating given outside the bot and entered by staff: the channel it came by (phone,
    # post, email); None for a rating given in the bot, or none yet.
    rated_via: Mapped[str | None] = mapped_column(String(16))


class WebLoginRow(Base):
    """A one-time link into the web desk (docs/web.md), sent by /web in the staff chat: only
    its SHA-256 is kept, valid for minutes, used once."""

    __tablename__ = "web_logins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class WebSessionRow(Base):
    """A web desk session opened by a login link: the cookie carries its id (signed), the
    row its SHA-256; `seen_at` renews it while the person is active, `ended_at` is a logout."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
