"""Questionnaires over SQLAlchemy Core (regulation §19.17–19.18).

One answer per person per question is the table's unique key (questionnaire, position,
user): an answer is an INSERT ... ON CONFLICT DO NOTHING, so a button pressed twice, or two
presses handled at once by two workers, count once, and the first answer stands. A status
changes with a conditional UPDATE from the statuses domain/questionnaires.py `sources`
names. The results are counted in SQL, per question (`results`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    bindparam,
    cast,
    distinct,
    exists,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.questionnaires import (
    Answer,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireResults,
    QuestionnaireStatus,
    StoredAnswer,
    question_result,
)
from domain.subscriptions import Topic
from storage.models import (
    NoticeRecipientRow,
    QuestionnaireAnswerRow,
    QuestionnaireRow,
    QuestionRow,
)
from storage.uow import UnitOfWork

_A = QuestionnaireAnswerRow


# /mydata reads it at every visit: built once (a statement built per call is compiled anew).
_ANSWERS_OF = (
    select(
        _A.questionnaire_id,
        QuestionnaireRow.title,
        QuestionRow.kind,
        QuestionRow.text.label("question"),
        QuestionRow.options,
        _A.value,
        _A.text,
        _A.answered_at,
    )
    .join(QuestionnaireRow, QuestionnaireRow.id == _A.questionnaire_id)
    .join(
        QuestionRow,
        (QuestionRow.questionnaire_id == _A.questionnaire_id)
        & (QuestionRow.position == _A.position),
    )
    .where(_A.user_id == bindparam("user_id"))
    .order_by(_A.answered_at, _A.id)
)


async def release_answers(session: Any, which: ColumnElement[bool]) -> int:
    """The answers `which` selects, with every other answer of the same person to the same
    questionnaire, no longer theirs: each such group gets one stand-in id (minus its first
    answer's id: respondents still count once, and the results stay what they were), and a
    free text, which may name the person, is erased. Answers already released (a stand-in
    id is negative; Telegram's user ids are positive) are left. Consent withdrawn
    (`SqlQuestionnaireStore.forget`) and the retention period past (storage/retention.py)
    both come here. Returns how many answers were released."""
    # The groups and their stand-ins first: SQLite evaluates a correlated subquery row by
    # row while the rows change under it.
    mine = select(_A.questionnaire_id, _A.user_id).where(which, _A.user_id > 0).distinct()
    groups = (
        await session.execute(
            select(_A.questionnaire_id, _A.user_id, func.min(_A.id))
            .where(tuple_(_A.questionnaire_id, _A.user_id).in_(mine))
            .group_by(_A.questionnaire_id, _A.user_id)
        )
    ).all()
    released = 0
    for questionnaire_id, user_id, first in groups:
        result = await session.execute(
            update(_A)
            .where(_A.user_id == user_id, _A.questionnaire_id == questionnaire_id)
            .values(user_id=-int(first), text=None)
        )
        released += int(result.rowcount or 0)
    return released


class SqlQuestionnaireStore:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _session(self) -> Any:
        return self._uow.session

    def _dialect(self) -> str:
        return str(self._uow.session.bind.dialect.name)

    # -- composing ------------------------------------------------------------------------

    async def add(self, *, title: str, created_by: int | None, created_at: datetime) -> int:
        result = await self._session.execute(
            insert(QuestionnaireRow)
            .values(
                title=title,
                status=QuestionnaireStatus.DRAFT.value,
                created_by=created_by,
                created_at=created_at,
            )
            .returning(QuestionnaireRow.id)
        )
        self._uow.mark_written()
        return int(result.scalar_one())

    async def add_question(self, questionnaire_id: int, position: int, question: Question) -> None:
        await self._session.execute(
            insert(QuestionRow).values(
                questionnaire_id=questionnaire_id,
                position=position,
                kind=question.kind.value,
                text=question.text,
                options=list(question.options),
            )
        )
        self._uow.mark_written()

    async def set_topic(self, questionnaire_id: int, topic: Topic) -> bool:
        result = await self._session.execute(
            update(QuestionnaireRow)
            .where(
                QuestionnaireRow.id == questionnaire_id,
                QuestionnaireRow.status == QuestionnaireStatus.DRAFT.value,
            )
            .values(topic=topic.value)
        )
        self._uow.mark_written()
        return bool(result.rowcount)

    async def set_status(
        self,
        questionnaire_id: int,
        status: QuestionnaireStatus,
        *,
        expect: Sequence[QuestionnaireStatus],
        **values: Any,
    ) -> bool:
        """`status` (and `values`) if it is in one of `expect`: the one who changes it."""
        result = await self._session.execute(
            update(QuestionnaireRow)
            .where(
                QuestionnaireRow.id == questionnaire_id,
                QuestionnaireRow.status.in_([s.value for s in expect]),
            )
            .values(status=status.value, **values)
        )
        self._uow.mark_written()
        return bool(result.rowcount)

    async def set_notice(self, questionnaire_id: int, notice_id: int) -> None:
        await self._session.execute(
            update(QuestionnaireRow)
            .where(QuestionnaireRow.id == questionnaire_id)
            .values(notice_id=notice_id)
        )
        self._uow.mark_written()

    # -- reading --------------------------------------------------------------------------

    async def get(self, questionnaire_id: int) -> Questionnaire | None:
        row = (
            await self._session.execute(
                select(QuestionnaireRow).where(QuestionnaireRow.id == questionnaire_id)
            )
        ).first()
        if row is None:
            return None
        return (await self._with_questions([row]))[0]

    async def recent(self, *, limit: int = 10) -> list[Questionnaire]:
        rows = (
            await self._session.execute(
                select(QuestionnaireRow).order_by(QuestionnaireRow.id.desc()).limit(limit)
            )
        ).all()
        return await self._with_questions(rows)

    async def sent_between(self, start: datetime, end: datetime) -> list[Questionnaire]:
        """Questionnaires sent in [start, end), by send time (closed ones too)."""
        rows = (
            await self._session.execute(
                select(QuestionnaireRow)
                .where(QuestionnaireRow.sent_at >= start, QuestionnaireRow.sent_at < end)
                .order_by(QuestionnaireRow.sent_at, QuestionnaireRow.id)
            )
        ).all()
        return await self._with_questions(rows)

    async def _with_questions(self, rows: Sequence[Any]) -> list[Questionnaire]:
        ids = [int(row.id) for row in rows]
        questions: dict[int, list[Question]] = {i: [] for i in ids}
        if ids:
            query = (
                select(QuestionRow)
                .where(QuestionRow.questionnaire_id.in_(ids))
                .order_by(QuestionRow.questionnaire_id, QuestionRow.position)
            )
            for q in (await self._session.execute(query)).all():
                questions[int(q.questionnaire_id)].append(
                    Question(QuestionKind(q.kind), q.text, tuple(str(o) for o in q.options or ()))
                )
        return [
            Questionnaire(
                id=int(row.id),
                title=row.title,
                questions=tuple(questions[int(row.id)]),
                status=QuestionnaireStatus(row.status),
                created_by=row.created_by,
                created_at=row.created_at,
                topic=Topic(row.topic) if row.topic else None,
                notice_id=row.notice_id,
                sent_at=row.sent_at,
                closed_at=row.closed_at,
            )
            for row in rows
        ]

    # -- answers --------------------------------------------------------------------------

    async def is_recipient(self, notice_id: int, user_id: int) -> bool:
        """Was the questionnaire's notice queued to this person (notice_recipients)."""
        query = select(
            exists().where(
                NoticeRecipientRow.notice_id == notice_id, NoticeRecipientRow.user_id == user_id
            )
        )
        return bool(await self._session.scalar(query))

    async def add_answer(
        self,
        questionnaire_id: int,
        position: int,
        user_id: int,
        answer: Answer,
        *,
        at: datetime,
    ) -> bool:
        """True if this is the person's first answer to the question; else nothing changes."""
        insert_ = pg_insert if self._dialect() == "postgresql" else sqlite_insert
        statement = (
            insert_(QuestionnaireAnswerRow)
            .values(
                questionnaire_id=questionnaire_id,
                position=position,
                user_id=user_id,
                value=answer.value,
                text=answer.text,
                answered_at=at,
            )
            .on_conflict_do_nothing(index_elements=["questionnaire_id", "position", "user_id"])
        )
        result = await self._session.execute(statement)
        self._uow.mark_written()
        return bool(result.rowcount)

    async def answered(self, questionnaire_id: int, user_id: int) -> list[int]:
        """The positions this person has answered."""
        query = (
            select(_A.position)
            .where(_A.questionnaire_id == questionnaire_id, _A.user_id == user_id)
            .order_by(_A.position)
        )
        return [int(p) for p in (await self._session.scalars(query)).all()]

    async def forget(self, user_id: int) -> int:
        """Consent withdrawn (152-ФЗ ст. 21 ч. 5): the person's answers stay counted but are
        no longer theirs — each questionnaire's answers of theirs get one stand-in id (minus
        the first answer's id, so respondents still count once) — and a free text, which may
        name them, is erased. Returns how many answers were released."""
        released = await release_answers(self._session, _A.user_id == user_id)
        self._uow.mark_written()
        return released

    async def answers_of(self, user_id: int) -> list[StoredAnswer]:
        """Everything this person answered, oldest first (for /mydata)."""
        query = _ANSWERS_OF
        return [
            StoredAnswer(
                questionnaire_id=int(row.questionnaire_id),
                title=row.title,
                question=Question(
                    QuestionKind(row.kind), row.question, tuple(str(o) for o in row.options or ())
                ),
                answer=Answer(value=row.value, text=row.text),
                answered_at=row.answered_at,
            )
            for row in (await self._session.execute(query, {"user_id": user_id})).all()
        ]

    # -- results --------------------------------------------------------------------------

    async def results(self, questionnaire: Questionnaire) -> QuestionnaireResults:
        """Per question: how many answered, each button's count, a scale's mean, a free
        text's answers (oldest first); and how many it was sent to and how many answered."""
        qid = questionnaire.id
        mine = _A.questionnaire_id == qid
        counts: dict[int, dict[int, int]] = {}
        query = (
            select(_A.position, _A.value, func.count())
            .where(mine, _A.value.is_not(None))
            .group_by(_A.position, _A.value)
        )
        for position, value, count in (await self._session.execute(query)).all():
            counts.setdefault(int(position), {})[int(value)] = int(count)
        totals: dict[int, tuple[int, float | None]] = {}
        per_question = (
            select(_A.position, func.count(), func.avg(cast(_A.value, Float)))
            .where(mine)
            .group_by(_A.position)
        )
        for position, count, mean in (await self._session.execute(per_question)).all():
            totals[int(position)] = (int(count), None if mean is None else float(mean))
        texts: dict[int, list[str]] = {}
        words = (
            select(_A.position, _A.text)
            .where(mine, _A.text.is_not(None))
            .order_by(_A.answered_at, _A.id)
        )
        for position, text in (await self._session.execute(words)).all():
            texts.setdefault(int(position), []).append(str(text))
        respondents = await self._session.scalar(
            select(func.count(distinct(_A.user_id))).where(mine)
        )
        recipients = 0
        if questionnaire.notice_id is not None:
            recipients = await self._session.scalar(
                select(func.count(distinct(NoticeRecipientRow.user_id))).where(
                    NoticeRecipientRow.notice_id == questionnaire.notice_id
                )
            )
        questions = tuple(
            question_result(
                position,
                question,
                counts=counts.get(position, {}),
                mean=totals.get(position, (0, None))[1],
                texts=texts.get(position, ()),
                answers=totals.get(position, (0, None))[0],
            )
            for position, question in enumerate(questionnaire.questions)
        )
        return QuestionnaireResults(
            questionnaire=questionnaire,
            recipients=int(recipients or 0),
            respondents=int(respondents or 0),
            questions=questions,
        )
