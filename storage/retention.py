"""The retention policy in SQL (domain/retention.py): which rows of each category are past
their period, counted or erased a batch per transaction.

Where each category's age counts from:
- appeals: their closing — the time of their last event, for an appeal no longer open (answered,
  closed, forwarded, rejected); anonymised once (`anonymised_at`), so a second run finds none;
- readings: submission; bookings: the visit; notices (with their recipients, targets and
  outbox rows, the evidence of who was told) and staff's notice drafts: creation, once the
  notice is done or cancelled; outbox messages that are no notice's: queuing, once they are
  no longer pending; dialog drafts: their last change; questionnaire answers: a person's
  answers to one questionnaire together, from the last of them — released (no longer the
  person's, free texts erased, storage/questionnaires.py `release_answers`), so a second run
  finds none.

The count and the erasure read the same conditions, so a dry run's counts are what a real run
at the same moment erases.

Stored files (stored_files, with stored_file_links naming the appeals and readings each came
with): erasing a reading or anonymising an appeal releases its links; a file whose links are
all released goes — a file still needed by a kept appeal stays. Its bytes are erased by the
service (services/retention.py) before its record is removed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from domain.appeal_model import OPEN_STATUSES
from domain.notice_lifecycle import NoticeStatus
from domain.retention import DataCategory, ReleasedFile
from storage.models import (
    AppealAttachmentRow,
    AppealEventRow,
    AppealIdentityRow,
    AppealJournalKeyRow,
    AppealRow,
    BookingRow,
    DialogStateRow,
    NoticeDraftRow,
    NoticeRecipientRow,
    NoticeRow,
    NoticeTargetRow,
    OutboxRow,
    QuestionnaireAnswerRow,
    QuestionnaireRow,
    ReadingSubmissionRow,
    ReadingValueRow,
    StoredFileLinkRow,
    StoredFileRow,
)
from storage.outbox import PENDING
from storage.questionnaires import release_answers

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
    if category is DataCategory.QUESTIONNAIRES:
        later = aliased(QuestionnaireAnswerRow)
        answer = QuestionnaireAnswerRow
        return [
            select(answer.id).where(
                answer.user_id > 0,
                ~exists().where(
                    later.questionnaire_id == answer.questionnaire_id,
                    later.user_id == answer.user_id,
                    later.answered_at >= cutoff,
                ),
            )
        ]
    return [select(DialogStateRow.key).where(DialogStateRow.updated_at < cutoff)]


def _release(ids: Sequence[Any], category: DataCategory, now: datetime) -> Any:
    """The links of erased rows to their stored files: the files go unless still needed."""
    return (
        update(StoredFileLinkRow)
        .where(
            StoredFileLinkRow.owner == category.value,
            StoredFileLinkRow.owner_id.in_(ids),
            StoredFileLinkRow.released_at.is_(None),
        )
        .values(released_at=now)
    )


_LINK = StoredFileLinkRow.stored_file_id == StoredFileRow.id


def _files_going(category: DataCategory, cutoff: datetime, *, counting: bool) -> Any:
    """The condition on stored_files of the files that go with the category's rows: linked
    to one of them, and every link released — or, `counting` before a run, to be released
    by it. For drafts: files of no row, received before `cutoff`, of someone without a
    draft changed since (a dialog still going keeps its files)."""
    if category is DataCategory.DRAFTS:
        return and_(
            ~exists().where(_LINK),
            StoredFileRow.received_at < cutoff,
            ~exists().where(
                DialogStateRow.user_id == StoredFileRow.user_id,
                DialogStateRow.updated_at >= cutoff,
            ),
        )
    mine = StoredFileLinkRow.owner == category.value
    going: ColumnElement[bool]
    if not counting:
        going = StoredFileLinkRow.released_at.is_not(None)
    else:
        going = or_(
            StoredFileLinkRow.released_at.is_not(None),
            and_(mine, StoredFileLinkRow.owner_id.in_(_candidates(category, cutoff)[0])),
        )
    return and_(
        exists().where(_LINK, mine),
        ~exists().where(_LINK, ~going),
    )


async def _erase(
    session: AsyncSession, category: DataCategory, table: int, ids: Sequence[Any], now: datetime
) -> int:
    """The rows `ids` erased (or anonymised). Returns how many rows went: `ids`, but for the
    answers, which go with the person's other answers to the same questionnaire (all past
    the period too: it counts from the last of them)."""
    if category is DataCategory.QUESTIONNAIRES:
        return await release_answers(session, QuestionnaireAnswerRow.id.in_(ids))
    if category is DataCategory.APPEALS:
        await _anonymise_appeals(session, ids, now)
    elif category is DataCategory.READINGS:
        await session.execute(
            delete(ReadingValueRow).where(ReadingValueRow.submission_id.in_(ids))
        )
        await session.execute(delete(ReadingSubmissionRow).where(ReadingSubmissionRow.id.in_(ids)))
        await session.execute(_release(ids, category, now))
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
    return len(ids)


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
    # The sealed ПП 55 identity data (passport, birth) goes whole.
    await session.execute(delete(AppealIdentityRow).where(AppealIdentityRow.appeal_id.in_(ids)))
    await session.execute(_release(ids, DataCategory.APPEALS, now))


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
    ) -> int:
        """One transaction: up to `limit` rows of the category erased (or anonymised), their
        stored files released. Returns how many."""
        done = 0
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
                done += await _erase(session, category, table, ids, now)
        return done

    async def count_files(self, category: DataCategory, *, cutoff: datetime) -> tuple[int, int]:
        query = select(func.count(), func.coalesce(func.sum(StoredFileRow.size), 0)).where(
            _files_going(category, cutoff, counting=True)
        )
        async with self._sessionmaker() as session:
            count, size = (await session.execute(query)).one()
        return int(count or 0), int(size or 0)

    async def released_files(
        self, category: DataCategory, *, cutoff: datetime, limit: int
    ) -> list[ReleasedFile]:
        query = (
            select(StoredFileRow.id, StoredFileRow.storage_key, StoredFileRow.size)
            .where(_files_going(category, cutoff, counting=False))
            .order_by(StoredFileRow.id)
            .limit(limit)
        )
        async with self._sessionmaker() as session:
            rows = (await session.execute(query)).all()
            ids = [row.id for row in rows]
            keys = {row.storage_key for row in rows if row.storage_key is not None}
            # The store keeps one copy per checksum: bytes another record keeps stay.
            kept = set(
                (
                    await session.scalars(
                        select(StoredFileRow.storage_key).where(
                            StoredFileRow.storage_key.in_(keys), StoredFileRow.id.not_in(ids)
                        )
                    )
                ).all()
            )
        return [
            ReleasedFile(
                id=row.id,
                key=row.storage_key,
                size=int(row.size or 0),
                shared=row.storage_key in kept,
            )
            for row in rows
        ]

    async def forget_files(self, ids: Sequence[int]) -> int:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                delete(StoredFileLinkRow).where(StoredFileLinkRow.stored_file_id.in_(ids))
            )
            result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
                delete(StoredFileRow).where(StoredFileRow.id.in_(ids))
            )
        return int(result.rowcount or 0)
