"""People, their consent, the account registry and its staged imports, account links."""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.limits import (
    ACCOUNT_MAX,
    EMAIL_MAX,
    FLAT_MAX,
    FULL_NAME_MAX,
    HOUSE_MAX,
    METER_SERIAL_MAX,
    PHONE_MAX,
    SETTLEMENT_MAX,
    STREET_MAX,
)
from domain.notices import place_key
from storage.models.base import Base, UtcDateTime


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
