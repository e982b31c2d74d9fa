"""The appeals registry: numbers, appeals, their history, attachments, journal keys."""

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
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.limits import (
    ACCOUNT_MAX,
    ADDRESS_MAX,
    CONTACT_MAX,
    FILE_NAME_MAX,
    FULL_NAME_MAX,
    MIME_TYPE_MAX,
)
from storage.models.base import Base, UtcDateTime


class AppealSequenceRow(Base):
    """The last registration number given in a year: taken with an atomic upsert in the
    registering transaction, so numbers have no gaps and no duplicates."""

    __tablename__ = "appeal_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


# The reports' covering index (storage/reports.py, issue 14): the facts query groups by its
# first six terms, so SQLite reads the groups in the index's order (no sort) and skip-scans to
# the period's registered_at range inside each; every column the report's aggregates read is
# in it, so the table itself is never read. The on-time test is an expression term (NULL
# when not answered) so the outcome is a group key rather than three sets of aggregates.
REPORT_INDEX_TERMS = (
    "form",
    "kind",
    "subject",
    "status",
    "rejection_ground",
    "(first_answered_at <= due_at)",
    "registered_at",
    "first_answered_at",
    "due_at",
    "contract_concluded",
    "extended",
    "reopen_count",
    "rating",
    "resolved",
    "assignee_id",
)

# SQLite only: the whole days from registration to the first answer (the answer-time
# histogram of the reports, storage/reports.py _answer_times), so the histogram is read in
# the index's order instead of sorting the period's answered appeals. The expression is the
# query's own. PostgreSQL gets statistics on the same figure instead (migration 0023).
SQLITE_ANSWER_DAYS = (
    "CAST(CAST(julianday(first_answered_at) - julianday(registered_at) AS FLOAT) AS INTEGER)"
)


# The flag staff set on an illegible appeal (domain/screening.py FlagKind.ILLEGIBLE) found in
# the flags' JSON: the predicate of the partial index `ix_appeals_illegible`, which a query
# uses only when it states the very same expression (storage/deadline_marks.py).
ILLEGIBLE_WHERE = "CAST(flags AS VARCHAR) LIKE '%\"illegible\"%'"


class AppealRow(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        # The deadline check and the digest: the open appeals by due date (notifier/deadlines.py).
        Index("ix_appeals_status_due", "status", "due_at"),
        # The early (7-day) term's appeals, by registration (storage/deadline_marks.py).
        Index("ix_appeals_status_registered", "status", "registered_at"),
        # The digest's unassigned appeals, counted and the first chosen in the index.
        Index("ix_appeals_status_assignee", "status", "assignee_id", "due_at"),
        # The few appeals staff marked illegible, without reading every open one's flags.
        Index(
            "ix_appeals_illegible",
            "status",
            sqlite_where=text(ILLEGIBLE_WHERE),
            postgresql_where=text(ILLEGIBLE_WHERE),
        ),
        # The web registry (storage/registry.py): its default order and the executor filter.
        # Its trigram search index is the migration's alone (0027_webpages: a pg_trgm GIN
        # index on PostgreSQL, an FTS5 table kept by triggers on SQLite).
        Index("ix_appeals_received", "received_at", "id"),
        Index("ix_appeals_assignee", "assignee_id", "received_at"),
        Index(
            "ix_appeals_report",
            *(text(term) if term.startswith("(") else term for term in REPORT_INDEX_TERMS),
        ),
        Index(
            "ix_appeals_answer_days",
            text(SQLITE_ANSWER_DAYS),
            "registered_at",
            "first_answered_at",
            sqlite_where=text("first_answered_at IS NOT NULL"),
        ).ddl_if(dialect="sqlite"),
        # Register 4.9 in its order without a sort (storage/reports.py, migration 0025). On
        # SQLite the registered_at index already ends with the rowid, which is the id.
        Index("ix_appeals_register", "registered_at", "id").ddl_if(dialect="postgresql"),
    )

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
    # 59-ФЗ ст. 8 ч. 2: when the appeal reached the company, apart from its registration.
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    extended: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    # Indexed for the card's «Другие обращения» (a person's appeals by account, issue 15).
    account_number: Mapped[str | None] = mapped_column(String(ACCOUNT_MAX), index=True)
    answer_channel: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(CONTACT_MAX), default="")
    vulnerable: Mapped[str | None] = mapped_column(String(32))
    pp55: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Kept over a reopen: whether the appeal was answered on time.
    first_answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
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
    # Set when the retention period after closing ran out (domain/retention.py): the personal
    # data is erased, the registry row stays for the reports.
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Order 186 register 4.9: the measures taken and planned after the appeal, and whether it
    # led to a connection or a transmission contract (table 4.1, row 4). Filled by staff.
    measures_taken: Mapped[str] = mapped_column(Text, default="", server_default="")
    measures_planned: Mapped[str] = mapped_column(Text, default="", server_default="")
    contract_concluded: Mapped[bool] = mapped_column(default=False, server_default=false())


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


class AppealJournalKeyRow(Base):
    """The fingerprint of a journal row imported as an appeal (received time, name, text:
    domain/journal.py), so the same row is never registered twice."""

    __tablename__ = "appeal_journal_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    appeal_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("appeals.id", ondelete="CASCADE"), index=True
    )


class AppealIdentityRow(Base):
    """The identity data of a ПП 55 complaint (passport, date and place of birth), sealed
    (storage/crypto.py): one JSON object, encrypted whole. A table of its own, so that the
    appeals table never holds it and a purge or a grant can target it alone."""

    __tablename__ = "appeal_identities"

    appeal_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[str] = mapped_column(Text)


class DeadlineMarkRow(Base):
    """The last deadline warning queued for an appeal (notifier/deadlines.py): its stage (1
    D-5, 2 D-1, 3 overdue) for which due date, and whether the early (7-day) warning went.
    The check selects in SQL only the appeals whose stage moved past their mark."""

    __tablename__ = "deadline_marks"

    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    stage: Mapped[int] = mapped_column(Integer, default=0)
    early: Mapped[bool] = mapped_column(default=False)
