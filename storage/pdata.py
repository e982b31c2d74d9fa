"""The consent texts' archive and what /mydata reads about a person (services/ports.py
ConsentArchive, PersonalRecordsReader)."""

from __future__ import annotations

from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import BindParameter, Connection, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

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
# Consent text versions known to be archived, per database (engine): a row of
# consent_texts is never changed or deleted, so a version seen once is not asked again.
_ARCHIVED: WeakKeyDictionary[AsyncEngine, dict[str, str]] = WeakKeyDictionary()

_USER: BindParameter[int] = bindparam("user_id")
_APPEALS = (
    select(AppealRow.number, AppealRow.kind, AppealRow.status, AppealRow.registered_at)
    .where(AppealRow.user_id == _USER)
    .order_by(AppealRow.registered_at, AppealRow.id)
)
_READING_VALUES = (
    select(ReadingValueRow.submission_id, ReadingValueRow.value_milli)
    .join(ReadingSubmissionRow, ReadingSubmissionRow.id == ReadingValueRow.submission_id)
    .where(ReadingSubmissionRow.user_id == _USER)
    .order_by(ReadingValueRow.submission_id, ReadingValueRow.zone)
)
_READINGS = (
    select(
        ReadingSubmissionRow.id,
        ReadingSubmissionRow.account_number,
        ReadingSubmissionRow.meter_serial,
        ReadingSubmissionRow.period,
        ReadingSubmissionRow.submitted_at,
    )
    .where(ReadingSubmissionRow.user_id == _USER)
    .order_by(ReadingSubmissionRow.submitted_at, ReadingSubmissionRow.id)
)
_BOOKINGS = (
    select(
        BookingRow.number,
        BookingRow.starts_at,
        BookingRow.topic,
        BookingRow.status,
        BookingRow.full_name,
        BookingRow.phone,
    )
    .where(BookingRow.user_id == _USER)
    .order_by(BookingRow.starts_at, BookingRow.id)
)
_SUBSCRIPTIONS = select(SubscriptionRow.topic, SubscriptionRow.enabled).where(
    SubscriptionRow.user_id == _USER
)
_PREFERENCE = select(NoticePreferenceRow.stopped, NoticePreferenceRow.blocked_at).where(
    NoticePreferenceRow.user_id == _USER
)


class SqlConsentArchive:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._known: dict[str, str] = {}

    async def keep(self, *, version: str, body: str, digest: str, at: datetime) -> str:
        if version in self._known:
            return self._known[version]
        session = self._uow.session
        known = _ARCHIVED.setdefault(session.bind, {})
        if version in known:
            self._known[version] = known[version]
            return known[version]
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
            # Remembered for the process only once this transaction has stored it.
            self._uow.after_commit(lambda: known.__setitem__(version, digest))
        else:
            known[version] = str(stored)
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
        # The six reads in one call into SQLAlchemy's synchronous side: one greenlet for all
        # of them instead of one each (/mydata is on every return visit).
        return await self._uow.session.run_sync(lambda c: _records(c, user_id))  # type: ignore[no-any-return]


def _records(connection: Connection, user_id: UserId) -> PersonalRecords:
    user = {"user_id": user_id}
    appeals = [
        StoredAppeal(row.number, row.kind, row.status, row.registered_at)
        for row in connection.execute(_APPEALS, user)
    ]
    values: dict[int, list[int]] = {}
    for row in connection.execute(_READING_VALUES, user):
        values.setdefault(row.submission_id, []).append(row.value_milli)
    readings = [
        StoredReading(
            row.account_number,
            row.meter_serial,
            row.period,
            row.submitted_at,
            tuple(values.get(row.id, ())),
        )
        for row in connection.execute(_READINGS, user)
    ]
    bookings = [
        StoredBooking(
            row.number or "", row.starts_at, row.topic, row.status, row.full_name, row.phone
        )
        for row in connection.execute(_BOOKINGS, user)
    ]
    chosen = {
        Topic(row.topic): bool(row.enabled)
        for row in connection.execute(_SUBSCRIPTIONS, user)
        if row.topic in _TOPICS
    }
    preference = connection.execute(_PREFERENCE, user).first()
    notices = Preferences(
        chosen=chosen,
        stopped=bool(preference and preference.stopped),
        blocked=bool(preference and preference.blocked_at is not None),
    )
    return PersonalRecords(appeals, readings, bookings, notices)
