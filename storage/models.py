"""Typed SQLAlchemy models. Only repositories see these; they return domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from domain.limits import (
    ACCOUNT_MAX,
    ADDRESS_MAX,
    CONTACT_MAX,
    DEPARTMENT_MAX,
    DRAFT_FILE_NAME_MAX,
    EMAIL_MAX,
    FILE_NAME_MAX,
    FLAT_MAX,
    FULL_NAME_MAX,
    HOUSE_MAX,
    HOUSES_MAX,
    METER_SERIAL_MAX,
    MIME_TYPE_MAX,
    NOTICE_SOURCE_MAX,
    PHONE_MAX,
    POSITION_MAX,
    REASON_MAX,
    SETTLEMENT_MAX,
    STREET_MAX,
)
from domain.notices import place_key


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use Clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ConsentRow(Base):
    """Every consent decision is kept: it is the operator's proof (152-ФЗ art. 9 p. 3)."""

    __tablename__ = "consents"
    # A person's latest decision is one probe of this index (storage/notices.py): it also
    # serves every lookup by user_id alone.
    __table_args__ = (Index("ix_consents_user_decided", "user_id", "decided_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    decision: Mapped[str] = mapped_column(String(16))
    text_version: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PersonRow(Base):
    """Contact data a person gave the bot themselves; deleted when consent is withdrawn."""

    __tablename__ = "people"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    full_name: Mapped[str | None] = mapped_column(String(FULL_NAME_MAX))
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


def _place_key_default(context: Any) -> str:
    values = context.get_current_parameters()
    return place_key(str(values.get("settlement", "")), str(values.get("street", "")))


class AccountRow(Base):
    __tablename__ = "accounts"

    number: Mapped[str] = mapped_column(String(ACCOUNT_MAX), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX))
    settlement: Mapped[str] = mapped_column(String(SETTLEMENT_MAX))
    street: Mapped[str] = mapped_column(String(STREET_MAX))
    house: Mapped[str] = mapped_column(String(HOUSE_MAX))
    flat: Mapped[str] = mapped_column(String(FLAT_MAX), default="")
    phone: Mapped[str] = mapped_column(String(PHONE_MAX), default="")
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="")
    category: Mapped[str] = mapped_column(String(16))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Settlement and street normalised (domain/notices.py place_key): an outage finds the
    # accounts of its street by this index. Computed from the row when not given.
    place_key: Mapped[str] = mapped_column(
        String(300), default=_place_key_default, server_default="", index=True
    )


class MeterRow(Base):
    __tablename__ = "meters"
    __table_args__ = (UniqueConstraint("account_number", "serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(
        String(ACCOUNT_MAX), ForeignKey("accounts.number", ondelete="CASCADE"), index=True
    )
    serial: Mapped[str] = mapped_column(String(METER_SERIAL_MAX))
    digits: Mapped[int] = mapped_column(Integer)
    zones: Mapped[int] = mapped_column(Integer)


class AccountLinkRow(Base):
    __tablename__ = "account_links"
    __table_args__ = (UniqueConstraint("user_id", "account_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    account_number: Mapped[str] = mapped_column(
        String(ACCOUNT_MAX), ForeignKey("accounts.number", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LinkFailureRow(Base):
    __tablename__ = "link_failures"
    __table_args__ = (Index("ix_link_failures_user_at", "user_id", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime())


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


class AppealSequenceRow(Base):
    """The last registration number given in a year: taken with an atomic upsert in the
    registering transaction, so numbers have no gaps and no duplicates."""

    __tablename__ = "appeal_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class AppealRow(Base):
    __tablename__ = "appeals"
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(48))
    form: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), index=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    extended: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    account_number: Mapped[str | None] = mapped_column(String(ACCOUNT_MAX))
    answer_channel: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(CONTACT_MAX), default="")
    vulnerable: Mapped[str | None] = mapped_column(String(32))
    pp55: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answer_text: Mapped[str | None] = mapped_column(Text)
    linked_appeal_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("appeals.id", ondelete="SET NULL")
    )
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    rejection_ground: Mapped[str | None] = mapped_column(String(48))
    rating: Mapped[int | None] = mapped_column(Integer)
    resolved: Mapped[bool | None] = mapped_column()
    survey_comment: Mapped[str] = mapped_column(Text, default="", server_default="")


class AppealEventRow(Base):
    """Every transition with who, when and why (SPEC §2)."""

    __tablename__ = "appeal_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("appeals.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AppealAttachmentRow(Base):
    __tablename__ = "appeal_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("appeals.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("appeal_events.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(String(FILE_NAME_MAX), default="")
    mime_type: Mapped[str] = mapped_column(String(MIME_TYPE_MAX), default="")
    size: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


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

    __table_args__ = (UniqueConstraint("notice_id", "chat_id"),)


class DepartmentRow(Base):
    """§15.3: appeals are assigned to a department, then to an executor in it."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(DEPARTMENT_MAX), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


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
    """An answer to send by post, e-mail or phone by hand (§17.6): staff mark it done."""

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

    __table_args__ = (UniqueConstraint("appeal_id", "origin"),)


class ReadingSubmissionRow(Base):
    """One meter reading as a person (or staff for them) sent it: a value per tariff zone in
    `reading_values` (SPEC §5; regulation §10.3, §10.5)."""

    __tablename__ = "reading_submissions"
    __table_args__ = (Index("ix_reading_submissions_meter", "account_number", "meter_serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    account_number: Mapped[str] = mapped_column(
        String(ACCOUNT_MAX), ForeignKey("accounts.number", ondelete="CASCADE")
    )
    meter_serial: Mapped[str] = mapped_column(String(METER_SERIAL_MAX))
    period: Mapped[str] = mapped_column(String(7), index=True)  # "2026-11": the billing month
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # bot | phone | in_person
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    staff_id: Mapped[int | None] = mapped_column(BigInteger)
    photo_file_id: Mapped[str | None] = mapped_column(String(256))


class ReadingValueRow(Base):
    __tablename__ = "reading_values"
    __table_args__ = (UniqueConstraint("submission_id", "zone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("reading_submissions.id", ondelete="CASCADE"), index=True
    )
    zone: Mapped[int] = mapped_column(Integer)  # 1..3: T1/T2/T3
    # kWh in thousandths, so that 12345.6 is exact and compares as an integer.
    value_milli: Mapped[int] = mapped_column(BigInteger)
    rollover: Mapped[bool] = mapped_column(default=False)


class BookingSlotRow(Base):
    """A slot of the service office with its places (§11.1, §14.13). `taken` only moves by a
    conditional UPDATE (taken < capacity), so the database refuses a place that is gone."""

    __tablename__ = "booking_slots"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
    )

    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class BookingRow(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    starts_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), ForeignKey("booking_slots.starts_at"), index=True
    )
    topic: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)  # active | cancelled | moved
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX), default="")
    phone: Mapped[str] = mapped_column(String(PHONE_MAX), default="")
    channel: Mapped[str] = mapped_column(String(16))  # bot | phone | in_person
    booked_by: Mapped[int | None] = mapped_column(BigInteger)  # a staff member, for a caller
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


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


class AccountImportRow(Base):
    """One run of `reception import accounts` (storage/account_import.py): the whole file is
    staged first (`staging`), then `sealed` — from then on it is applied, in short
    transactions, even after a crash — and finally `applied`."""

    __tablename__ = "account_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # staging | sealed | applied
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    touched_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)


class StagedAccountRow(Base):
    """An account (with its meters) of an import run, waiting to be applied; deleted in the
    transaction that applies it."""

    __tablename__ = "account_import_rows"
    __table_args__ = (Index("ix_account_import_rows_run", "import_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("account_imports.id", ondelete="CASCADE")
    )
    number: Mapped[str] = mapped_column(String(32))
    account: Mapped[dict[str, Any]] = mapped_column(JSON)


class AppealJournalKeyRow(Base):
    """The fingerprint of a journal row imported as an appeal (received time, name, text:
    domain/journal.py), so the same row is never registered twice."""

    __tablename__ = "appeal_journal_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    appeal_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("appeals.id", ondelete="CASCADE"), index=True
    )
