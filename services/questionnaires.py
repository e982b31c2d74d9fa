"""Periodic questionnaires (regulation §19.17–19.18) as a use case: compose, send to a topic's
subscribers, record answers, close, and count the results per question.

Sending reuses the notices (services/notices.py): the questionnaire becomes one notice to the
topic's subscribers, whose message is its first question with the answer buttons, so its
recipients are chosen by the one rule of domain/subscriptions.py (consent, not stopped, not
blocked, the topic on), queued a page at a time and delivered by the outbox within
Telegram's limits, outside quiet hours. The later questions follow each answer.

Everything runs in the caller's unit of work and commits nothing.

Results for a period (`results_for_period`) take the questionnaires SENT in it, with every
answer they got, whenever it came: a questionnaire belongs to one report whole, and an
answer that arrives after the period's end still counts where its questionnaire does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.clock import Clock
from domain.notice_lifecycle import QuestionnaireParams
from domain.questionnaires import (
    Answer,
    NotARecipient,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireAction,
    QuestionnaireError,
    QuestionnaireNotFound,
    QuestionnaireResults,
    QuestionnaireStatus,
    StoredAnswer,
    apply,
    check_add,
    check_answer,
    check_answerable,
    check_sendable,
    clean_title,
    next_unanswered,
    sources,
)
from domain.subscriptions import Topic
from services.notices import NoticeService


class NoTopic(QuestionnaireError):
    text_key = "quest-error-no-topic"


class QuestionnaireStore(Protocol):
    async def add(self, *, title: str, created_by: int | None, created_at: datetime) -> int: ...

    async def add_question(
        self, questionnaire_id: int, position: int, question: Question
    ) -> None: ...

    async def set_topic(self, questionnaire_id: int, topic: Topic) -> bool: ...

    async def set_status(
        self,
        questionnaire_id: int,
        status: QuestionnaireStatus,
        *,
        expect: Sequence[QuestionnaireStatus],
        **values: object,
    ) -> bool: ...

    async def set_notice(self, questionnaire_id: int, notice_id: int) -> None: ...

    async def get(self, questionnaire_id: int) -> Questionnaire | None: ...

    async def recent(self, *, limit: int = 10) -> list[Questionnaire]: ...

    async def sent_between(self, start: datetime, end: datetime) -> list[Questionnaire]: ...

    async def is_recipient(self, notice_id: int, user_id: int) -> bool: ...

    async def add_answer(
        self,
        questionnaire_id: int,
        position: int,
        user_id: int,
        answer: Answer,
        *,
        at: datetime,
    ) -> bool: ...

    async def answered(self, questionnaire_id: int, user_id: int) -> list[int]: ...

    async def answers_of(self, user_id: int) -> list[StoredAnswer]: ...

    async def forget(self, user_id: int) -> int: ...

    async def results(self, questionnaire: Questionnaire) -> QuestionnaireResults: ...


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    """What an answer did: `recorded` False when the question was answered before (a second
    press); `next` the next question the person has not answered, None when all are."""

    questionnaire: Questionnaire
    recorded: bool
    next: int | None


class QuestionnaireService:
    def __init__(self, *, store: QuestionnaireStore, notices: NoticeService, clock: Clock) -> None:
        self._store = store
        self._notices = notices
        self._clock = clock

    async def get(self, questionnaire_id: int) -> Questionnaire:
        found = await self._store.get(questionnaire_id)
        if found is None:
            raise QuestionnaireNotFound(str(questionnaire_id))
        return found

    async def recent(self, limit: int = 10) -> list[Questionnaire]:
        return await self._store.recent(limit=limit)

    # -- composing ------------------------------------------------------------------------

    async def create(self, title: str, *, created_by: int | None) -> Questionnaire:
        """A draft with its title and no questions yet."""
        questionnaire_id = await self._store.add(
            title=clean_title(title), created_by=created_by, created_at=self._clock.now()
        )
        return await self.get(questionnaire_id)

    async def add_question(
        self,
        questionnaire_id: int,
        kind: QuestionKind,
        text: str,
        options: Sequence[str] = (),
    ) -> Questionnaire:
        questionnaire = await self.get(questionnaire_id)
        check_add(questionnaire)
        question = Question.create(kind, text, options)
        await self._store.add_question(questionnaire_id, len(questionnaire.questions), question)
        return await self.get(questionnaire_id)

    async def choose_topic(self, questionnaire_id: int, topic: Topic) -> Questionnaire:
        questionnaire = await self.get(questionnaire_id)
        check_sendable(questionnaire)
        await self._store.set_topic(questionnaire_id, topic)
        return await self.get(questionnaire_id)

    async def audience_size(self, topic: Topic) -> int:
        return await self._notices.audience_size(topic)

    async def send(self, questionnaire_id: int, *, by: int | None) -> int:
        """Sent once (a second press finds it sent): a notice to the topic's subscribers,
        queued after the commit, outside quiet hours. Returns the notice's id."""
        questionnaire = await self.get(questionnaire_id)
        check_sendable(questionnaire)
        if questionnaire.topic is None:
            raise NoTopic("choose a topic first")
        now = self._clock.now()
        action = QuestionnaireAction.SEND
        if not await self._store.set_status(
            questionnaire_id,
            apply(questionnaire.status, action),
            expect=sources(action),
            sent_at=now,
        ):
            raise QuestionnaireError("sent meanwhile")
        first = questionnaire.questions[0]
        notice_id = await self._notices.compose_questionnaire(
            questionnaire.topic,
            QuestionnaireParams(
                questionnaire_id=questionnaire.id,
                title=questionnaire.title,
                count=len(questionnaire.questions),
                kind=first.kind.value,
                text=first.text,
                options=first.options,
            ),
            created_by=by,
            source=f"questionnaire:{questionnaire.id}",
        )
        await self._store.set_notice(questionnaire_id, notice_id)
        return notice_id

    async def _decide(self, questionnaire_id: int, action: QuestionnaireAction) -> Questionnaire:
        questionnaire = await self.get(questionnaire_id)
        status = apply(questionnaire.status, action)
        values = {"closed_at": self._clock.now()}
        if not await self._store.set_status(
            questionnaire_id, status, expect=sources(action), **values
        ):
            raise QuestionnaireError("decided meanwhile")
        return await self.get(questionnaire_id)

    async def cancel(self, questionnaire_id: int) -> Questionnaire:
        """A draft dropped: it is never sent."""
        return await self._decide(questionnaire_id, QuestionnaireAction.CANCEL)

    async def close(self, questionnaire_id: int) -> Questionnaire:
        """No more answers are taken (those given stay counted)."""
        return await self._decide(questionnaire_id, QuestionnaireAction.CLOSE)

    # -- answering ------------------------------------------------------------------------

    async def _answerable(self, user_id: int, questionnaire_id: int) -> Questionnaire:
        questionnaire = await self.get(questionnaire_id)
        check_answerable(questionnaire)
        if questionnaire.notice_id is None or not await self._store.is_recipient(
            questionnaire.notice_id, user_id
        ):
            raise NotARecipient(str(questionnaire_id))
        return questionnaire

    async def pending(self, user_id: int, questionnaire_id: int) -> AnswerOutcome:
        """Where the person is: their next unanswered question (None: all answered)."""
        questionnaire = await self._answerable(user_id, questionnaire_id)
        answered = await self._store.answered(questionnaire_id, user_id)
        return AnswerOutcome(questionnaire, False, next_unanswered(questionnaire, answered))

    async def answer(
        self,
        user_id: int,
        questionnaire_id: int,
        position: int,
        *,
        value: int | None = None,
        text: str | None = None,
    ) -> AnswerOutcome:
        """One answer: a button's value or a free text, checked against the question; a
        second answer to the same question changes nothing (recorded False)."""
        questionnaire = await self._answerable(user_id, questionnaire_id)
        question = questionnaire.question(position)
        answer = check_answer(question, value=value, text=text)
        recorded = await self._store.add_answer(
            questionnaire_id, position, user_id, answer, at=self._clock.now()
        )
        answered = await self._store.answered(questionnaire_id, user_id)
        return AnswerOutcome(questionnaire, recorded, next_unanswered(questionnaire, answered))

    async def forget(self, user_id: int) -> int:
        """Consent withdrawn: the person's answers stay in the results, unattributed, and
        their free texts are erased (storage/questionnaires.py)."""
        return await self._store.forget(user_id)

    async def answers_of(self, user_id: int) -> list[StoredAnswer]:
        """What the person answered, for /mydata (152-ФЗ ст. 14)."""
        return await self._store.answers_of(user_id)

    # -- results --------------------------------------------------------------------------

    async def results(self, questionnaire_id: int) -> QuestionnaireResults:
        return await self._store.results(await self.get(questionnaire_id))

    async def results_for_period(
        self, start: datetime, end: datetime
    ) -> list[QuestionnaireResults]:
        """Every questionnaire sent in [start, end) with its results per question (all its
        answers, whenever given), in the order they were sent."""
        if end <= start:
            raise ValueError("the period ends before it starts")
        return [
            await self._store.results(questionnaire)
            for questionnaire in await self._store.sent_between(start, end)
        ]
