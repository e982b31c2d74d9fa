"""The retention policy in SQL (domain/retention.py): which rows of each category are past
their period, counted or erased a batch per transaction.

Where each category's age counts from:
- appeals: their closing — the time of their last event, for an appeal no longer open (answered,
  closed, forwarded, rejected); anonymised once (`anonymised_at`), so a second run finds none;
- readings: submission; bookings: the visit; notices (with their recipients, targets and
  outbox rows, the evidence of who was told) and staff's notice drafts: creation, once the
  notice is done or cancelled; outbox messages that are no notice's: queuing, once they are
  no longer pending; dialog drafts: their last change.

The count and the erasure read the same conditions, so a dry run's counts are what a real run
at the same moment erases.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.appeal_model import OPEN_STATUSES
from domain.notice_lifecycle import NoticeStatus
from domain.retention import DataCategory
from storage.models import (
    AppealAttachmentRow,
    AppealEventRow,
    AppealJournalKeyRow,
    AppealRow,
    BookingRow,
    DialogStateRow,
    NoticeDraftRow,
    NoticeRecipientRow,
    NoticeRow,
    NoticeTargetRow,
    OutboxRow,
    QuestionnaireRow,
    ReadingSubmissionRow,
    ReadingValueRow,
)
from storage.outbox import PENDING

_OPEN = sorted(status.value for status in OPEN_STATUSES)
_FINISHED_NOTICES = (NoticeStatus.DONE.value, NoticeStatus.CANCELLED.value)


def _appeal_closed_at() -> Any:
    return (
        select(func.max(AppealEventRow.at))
        .where(AppealEventRow.appeal_id == AppealRow.id)
        .correlate(AppealRow)
        .scalar_subquery()
    )


def _candidates(category: DataCategory, cutoff: datetime) -> list[Select[Any]]:
    """The ids of the rows that go, per table the category counts (most have one)."""
    if category is DataCategory.APPEALS:
        return [
            select(AppealRow.id).where(
                AppealRow.anonymised_at.is_(None),
                AppealRow.status.not_in(_OPEN),
                func.coalesce(_appeal_closed_at(), AppealRow.registered_at) < cutoff,
            )
        ]
    if category is DataCategory.READINGS:
        return [select(ReadingSubmissionRow.id).where(ReadingSubmissionRow.submitted_at < cutoff)]
    if category is DataCategory.BOOKINGS:
        return [select(BookingRow.id).where(BookingRow.starts_at < cutoff)]
    if category is DataCategory.NOTICES:
        return [
            select(NoticeRow.id).where(
                NoticeRow.created_at < cutoff, NoticeRow.status.in_(_FINISHED_NOTICES)
            ),
            select(NoticeDraftRow.id).where(NoticeDraftRow.created_at < cutoff),
        ]
    if category is DataCategory.OUTBOX:
        return [
            select(OutboxRow.id).where(
                OutboxRow.created_at < cutoff,
                OutboxRow.status != PENDING,
                OutboxRow.notice_id.is_(None),
            )
        ]
    return [select(DialogStateRow.key).where(DialogStateRow.updated_at < cutoff)]


async def _erase(
    session: AsyncSession, category: DataCategory, table: int, ids: Sequence[Any], now: datetime
) -> None:
    if category is DataCategory.APPEALS:
        await _anonymise_appeals(session, ids, now)
    elif category is DataCategory.READINGS:
        await session.execute(
            delete(ReadingValueRow).where(ReadingValueRow.submission_id.in_(ids))
        )
        await session.execute(delete(ReadingSubmissionRow).where(ReadingSubmissionRow.id.in_(ids)))
    elif category is DataCategory.BOOKINGS:
        await session.execute(delete(BookingRow).where(BookingRow.id.in_(ids)))
    elif category is DataCategory.NOTICES and table == 0:
        await session.execute(delete(OutboxRow).where(OutboxRow.notice_id.in_(ids)))
        await session.execute(
            delete(NoticeRecipientRow).where(NoticeRecipientRow.notice_id.in_(ids))
        )
        await session.execute(delete(NoticeTargetRow).where(NoticeTargetRow.notice_id.in_(ids)))
        # A questionnaire outlives the notice that carried it: its answers are the results.
        await session.execute(
            update(QuestionnaireRow)
            .where(QuestionnaireRow.notice_id.in_(ids))
            .values(notice_id=None)
        )
        await session.execute(delete(NoticeRow).where(NoticeRow.id.in_(ids)))
    elif category is DataCategory.NOTICES:
        await session.execute(delete(NoticeDraftRow).where(NoticeDraftRow.id.in_(ids)))
    elif category is DataCategory.OUTBOX:
        await session.execute(delete(OutboxRow).where(OutboxRow.id.in_(ids)))
    else:
        await session.execute(delete(DialogStateRow).where(DialogStateRow.key.in_(ids)))


async def _anonymise_appeals(session: AsyncSession, ids: Sequence[Any], now: datetime) -> None:
    """The registry row keeps number, dates, kind, subject, form, status and outcome."""
    await session.execute(
        update(AppealRow)
        .where(AppealRow.id.in_(ids))
        .values(
            user_id=None,
            text="",
            full_name="",
            address="",
            account_number=None,
            contact="",
            vulnerable=None,
            pp55=None,
            answer_text=None,
            survey_comment="",
            anonymised_at=now,
        )
    )
    # What people and staff wrote in the history (reasons, clarifications) may name the person.
    await session.execute(
        update(AppealEventRow)
        .where(AppealEventRow.appeal_id.in_(ids))
        .values(reason="", details={})
    )
    await session.execute(
        delete(AppealAttachmentRow).where(AppealAttachmentRow.appeal_id.in_(ids))
    )
    await session.execute(
        delete(AppealJournalKeyRow).where(AppealJournalKeyRow.appeal_id.in_(ids))
    )


class SqlRetention:
    """Counts and erases what the policy says goes (services/ports.py RetentionStore)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def count(self, category: DataCategory, *, cutoff: datetime) -> int:
        total = 0
        async with self._sessionmaker() as session:
            for query in _candidates(category, cutoff):
                counted = await session.scalar(select(func.count()).select_from(query.subquery()))
                total += int(counted or 0)
        return total

    async def erase_batch(
        self, category: DataCategory, *, cutoff: datetime, now: datetime, limit: int
    ) -> tuple[int, list[int]]:
        """One transaction: up to `limit` rows of the category erased (or anonymised).
        Returns how many, and for appeals the ids anonymised (their files go too)."""
        done = 0
        appeals: list[int] = []
        async with self._sessionmaker() as session, session.begin():
            for table, query in enumerate(_candidates(category, cutoff)):
                if done >= limit:
                    break
                column = query.selected_columns[0]
                ids = list(
                    (await session.scalars(query.order_by(column).limit(limit - done))).all()
                )
                if not ids:
                    continue
                await _erase(session, category, table, ids, now)
                done += len(ids)
                if category is DataCategory.APPEALS:
                    appeals.extend(int(i) for i in ids)
        return done, appeals
