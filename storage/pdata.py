"""The consent texts' archive and what /mydata reads about a person (services/ports.py
ConsentArchive, PersonalRecordsReader)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.ids import UserId
from domain.personal_data import PersonalRecords, StoredAppeal, StoredBooking, StoredReading
from domain.subscriptions import Preferences, Topic
from storage.models import (
    AppealRow,
    BookingRow,
    ConsentTextRow,
    NoticePreferenceRow,
    ReadingSubmissionRow,
    ReadingValueRow,
    SubscriptionRow,
)
from storage.uow import UnitOfWork

_TOPICS = frozenset(topic.value for topic in Topic)


class SqlConsentArchive:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._known: dict[str, str] = {}

    async def keep(self, *, version: str, body: str, digest: str, at: datetime) -> str:
        if version in self._known:
            return self._known[version]
        session = self._uow.session
        stored = await session.scalar(
            select(ConsentTextRow.digest).where(ConsentTextRow.version == version)
        )
        if stored is None:
            insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
            await session.execute(
                insert(ConsentTextRow)
                .values(version=version, body=body, digest=digest, archived_at=at)
                .on_conflict_do_nothing(index_elements=["version"])
            )
            self._uow.mark_written()
            stored = digest
        self._known[version] = str(stored)
        return str(stored)

    async def text(self, version: str) -> str | None:
        body = await self._uow.session.scalar(
            select(ConsentTextRow.body).where(ConsentTextRow.version == version)
        )
        return None if body is None else str(body)


class SqlPersonalRecords:
    """A person's appeals, readings, bookings and notice settings, for /mydata (152-ФЗ ст. 14).
    Read-only; all of them, however old (retention bounds how many there are)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def records(self, user_id: UserId) -> PersonalRecords:
        session = self._uow.session
        appeals = [
            StoredAppeal(row.number, row.kind, row.status, row.registered_at)
            for row in await session.execute(
                select(AppealRow.number, AppealRow.kind, AppealRow.status, AppealRow.registered_at)
                .where(AppealRow.user_id == user_id)
                .order_by(AppealRow.registered_at, AppealRow.id)
            )
        ]
        values: dict[int, list[int]] = {}
        for row in await session.execute(
            select(ReadingValueRow.submission_id, ReadingValueRow.value_milli)
            .join(ReadingSubmissionRow, ReadingSubmissionRow.id == ReadingValueRow.submission_id)
            .where(ReadingSubmissionRow.user_id == user_id)
            .order_by(ReadingValueRow.submission_id, ReadingValueRow.zone)
        ):
            values.setdefault(row.submission_id, []).append(row.value_milli)
        readings = [
            StoredReading(
                row.account_number,
                row.meter_serial,
                row.period,
                row.submitted_at,
                tuple(values.get(row.id, ())),
            )
            for row in await session.execute(
                select(
                    ReadingSubmissionRow.id,
                    ReadingSubmissionRow.account_number,
                    ReadingSubmissionRow.meter_serial,
                    ReadingSubmissionRow.period,
                    ReadingSubmissionRow.submitted_at,
                )
                .where(ReadingSubmissionRow.user_id == user_id)
                .order_by(ReadingSubmissionRow.submitted_at, ReadingSubmissionRow.id)
            )
        ]
        bookings = [
            StoredBooking(
                row.number or "", row.starts_at, row.topic, row.status, row.full_name, row.phone
            )
            for row in await session.execute(
                select(
                    BookingRow.number,
                    BookingRow.starts_at,
                    BookingRow.topic,
                    BookingRow.status,
                    BookingRow.full_name,
                    BookingRow.phone,
                )
                .where(BookingRow.user_id == user_id)
                .order_by(BookingRow.starts_at, BookingRow.id)
            )
        ]
        chosen = {
            Topic(row.topic): bool(row.enabled)
            for row in await session.execute(
                select(SubscriptionRow.topic, SubscriptionRow.enabled).where(
                    SubscriptionRow.user_id == user_id
                )
            )
            if row.topic in _TOPICS
        }
        preference = (
            await session.execute(
                select(NoticePreferenceRow.stopped, NoticePreferenceRow.blocked_at).where(
                    NoticePreferenceRow.user_id == user_id
                )
            )
        ).first()
        notices = Preferences(
            chosen=chosen,
            stopped=bool(preference and preference.stopped),
            blocked=bool(preference and preference.blocked_at is not None),
        )
        return PersonalRecords(appeals, readings, bookings, notices)
