"""Questionnaires in the database (storage/questionnaires.py), on SQLite and PostgreSQL: one
answer per person per question whatever the order of presses, the results per question
counted in SQL, and the results of a period taken by the questionnaires' send time."""

from __future__ import annotations

import csv
from argparse import Namespace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli_questionnaires import CSV_HEADER, cmd_questionnaire
from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.questionnaires import (
    Answer,
    IllegalQuestionnaireTransition,
    NotARecipient,
    QuestionKind,
    QuestionnaireClosed,
    QuestionnaireStatus,
)
from domain.retention import DataCategory, RetentionPolicy
from domain.subscriptions import Topic
from services.notices import NoticePolicy, NoticeService
from services.questionnaires import QuestionnaireService
from services.retention import RetentionService
from storage.files import FolderFileStore
from storage.models import NoticeRecipientRow, NoticeRow, QuestionnaireAnswerRow
from storage.notice_drafts import SqlNoticeDrafts
from storage.notices import SqlNoticeStore
from storage.questionnaires import SqlQuestionnaireStore
from storage.retention import SqlRetention
from storage.uow import UnitOfWork

PEOPLE = (7_000_001, 7_000_002, 7_000_003)


class _Queue:
    def after_commit(self) -> None:
        pass


def _service(uow: UnitOfWork, clock: FixedClock) -> QuestionnaireService:
    notices = NoticeService(
        store=SqlNoticeStore(uow),
        drafts=SqlNoticeDrafts(uow),
        queue=_Queue(),
        clock=clock,
        policy=NoticePolicy(zone=ZoneInfo("Europe/Moscow")),
    )
    return QuestionnaireService(store=SqlQuestionnaireStore(uow), notices=notices, clock=clock)


async def _sent(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, title: str
) -> int:
    """A questionnaire of four kinds, sent, its notice queued to PEOPLE."""
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    questionnaire = await service.create(title, created_by=8_000_001)
    qid = questionnaire.id
    await service.add_question(qid, QuestionKind.SCALE_1_5, "Оценка?")
    await service.add_question(qid, QuestionKind.YES_NO, "Решён?")
    await service.add_question(qid, QuestionKind.CHOICE, "Как?", ["Телефон", "Лично", "Бот"])
    await service.add_question(qid, QuestionKind.FREE_TEXT, "Что улучшить?")
    await service.choose_topic(qid, Topic.TARIFF)
    notice_id = await service.send(qid, by=8_000_001)
    await uow.session.execute(
        insert(NoticeRecipientRow),
        [{"notice_id": notice_id, "user_id": user, "account_number": ""} for user in PEOPLE],
    )
    await uow.commit()
    return qid


async def test_answers_count_once_per_person_and_the_results_are_per_question(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    qid = await _sent(sessionmaker, clock, "Качество")
    a, b, c = PEOPLE
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    # (person, position, value or text), in the order given; repeats change nothing.
    presses: list[tuple[int, int, int | str]] = [
        (a, 0, 5),
        (b, 0, 2),
        (a, 0, 1),  # a second answer to the same question: the first stands
        (a, 1, 1),
        (b, 1, 0),
        (c, 1, 1),
        (a, 2, 2),
        (b, 2, 2),
        (b, 3, "Больше часов"),
        (a, 3, "Всё хорошо"),
        (b, 3, "Ещё раз"),
    ]
    recorded = []
    for user, position, given in presses:
        if isinstance(given, str):
            outcome = await service.answer(user, qid, position, text=given)
        else:
            outcome = await service.answer(user, qid, position, value=given)
        recorded.append(outcome.recorded)
    assert recorded == [True, True, False, True, True, True, True, True, True, True, False]
    assert outcome.next is None
    assert (await service.pending(c, qid)).next == 0  # c skipped the scale

    results = await service.results(qid)
    await uow.commit()
    assert (results.recipients, results.respondents) == (3, 3)
    scale, yes_no, choice, free = results.questions
    assert (scale.answers, scale.mean) == (2, 3.5)
    assert [o.count for o in scale.options] == [0, 1, 0, 0, 1]
    assert [(o.label, o.count) for o in yes_no.options] == [("yes", 2), ("no", 1)]
    assert yes_no.mean is None
    assert [(o.label, o.count) for o in choice.options] == [
        ("Телефон", 0),
        ("Лично", 0),
        ("Бот", 2),
    ]
    assert free.answers == 2 and free.texts == ("Больше часов", "Всё хорошо")


async def test_two_presses_of_one_question_in_either_order_keep_the_first(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    qid = await _sent(sessionmaker, clock, "Порядок")
    user = PEOPLE[0]
    for first, second in ((1, 0), (0, 1)):
        uow = UnitOfWork(sessionmaker, clock=clock)
        store = SqlQuestionnaireStore(uow)
        position = first  # a fresh question each round: the choice (2), then yes/no (1)
        assert await store.add_answer(qid, 1 + position, user, Answer(value=first), at=clock.now())
        assert not await store.add_answer(
            qid, 1 + position, user, Answer(value=second), at=clock.now()
        )
        await uow.commit()
    uow = UnitOfWork(sessionmaker, clock=clock)
    results = await _service(uow, clock).results(qid)
    await uow.rollback()
    assert [(o.label, o.count) for o in results.questions[1].options] == [("yes", 0), ("no", 1)]
    assert results.questions[2].options[1].count == 1  # «Лично», the first press


async def test_only_recipients_answer_only_while_it_is_sent_and_it_is_sent_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    qid = await _sent(sessionmaker, clock, "Доступ")
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    with pytest.raises(NotARecipient):
        await service.answer(7_000_999, qid, 0, value=3)
    with pytest.raises(IllegalQuestionnaireTransition):
        await service.send(qid, by=1)
    closed = await service.close(qid)
    assert closed.status is QuestionnaireStatus.CLOSED and closed.closed_at == clock.now()
    with pytest.raises(QuestionnaireClosed):
        await service.answer(PEOPLE[0], qid, 0, value=3)
    await uow.commit()


async def test_results_for_a_period_take_the_questionnaires_sent_in_it(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    start = clock.now()
    october = await _sent(sessionmaker, clock, "Октябрь")
    clock.advance(timedelta(days=31))
    november = await _sent(sessionmaker, clock, "Ноябрь")
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    # An answer to October's, given in November, counts with October's.
    await service.answer(PEOPLE[0], october, 0, value=4)
    first = await service.results_for_period(start, start + timedelta(days=30))
    both = await service.results_for_period(start, clock.now() + timedelta(seconds=1))
    await uow.commit()
    assert [r.questionnaire.id for r in first] == [october]
    assert first[0].questions[0].answers == 1
    assert [r.questionnaire.id for r in both] == [october, november]
    with pytest.raises(ValueError, match="ends before"):
        await _service(UnitOfWork(sessionmaker, clock=clock), clock).results_for_period(
            start, start
        )


async def test_the_command_line_writes_the_results_as_csv(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    settings: Settings,
    texts: Texts,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    qid = await _sent(sessionmaker, clock, "=Опрос")
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    await service.answer(PEOPLE[0], qid, 0, value=4)
    await service.answer(PEOPLE[0], qid, 3, text="+7 звоните")
    await uow.commit()
    output = tmp_path / "results.csv"
    args = Namespace(action="results", id=qid, format="csv", output=output)
    assert await cmd_questionnaire(settings, texts, args) == 0
    rows = list(csv.reader(output.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == CSV_HEADER
    scale = [row for row in rows[1:] if row[3] == "1"]
    assert [(row[7], row[8], row[9]) for row in scale] == [
        ("1", "0", "4.00"),
        ("2", "0", "4.00"),
        ("3", "0", "4.00"),
        ("4", "1", "4.00"),
        ("5", "0", "4.00"),
    ]
    assert all(row[1] == "'=Опрос" for row in rows[1:])  # no formula for Excel
    assert rows[-1][10] == "'+7 звоните"
    assert await cmd_questionnaire(settings, texts, Namespace(action="results", id=None)) == 0
    assert "=Опрос" in capsys.readouterr().out
    missing = Namespace(action="results", id=qid + 100, format="text", output=None)
    assert await cmd_questionnaire(settings, texts, missing) == 1


async def test_retention_erases_the_old_notice_and_keeps_the_questionnaire_results(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    qid = await _sent(sessionmaker, clock, "Давний")
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    await service.answer(PEOPLE[0], qid, 1, value=1)
    questionnaire = await service.get(qid)
    await uow.session.execute(
        update(NoticeRow)
        .where(NoticeRow.id == questionnaire.notice_id)
        .values(status="done", created_at=clock.now() - timedelta(days=2000))
    )
    await uow.commit()
    erased = await SqlRetention(sessionmaker).erase_batch(
        DataCategory.NOTICES, cutoff=clock.now() - timedelta(days=1095), now=clock.now(), limit=10
    )
    assert erased == 1
    uow = UnitOfWork(sessionmaker, clock=clock)
    results = await _service(uow, clock).results(qid)
    await uow.rollback()
    assert results.questionnaire.notice_id is None
    assert results.questions[1].options[0].count == 1


async def test_152fz_st21_ch5_withdrawn_consent_unlinks_answers_and_erases_free_texts(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    qid = await _sent(sessionmaker, clock, "После отзыва")
    a, b, _c = PEOPLE
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    await service.answer(a, qid, 0, value=5)
    await service.answer(a, qid, 1, value=1)
    await service.answer(a, qid, 3, text="Я Иванов из дома 5, позвоните")
    await service.answer(b, qid, 0, value=3)
    await service.answer(b, qid, 3, text="Всё хорошо")
    await uow.commit()

    uow = UnitOfWork(sessionmaker, clock=clock)
    assert await _service(uow, clock).forget(a) == 3
    await uow.commit()

    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    assert await service.answers_of(a) == []  # nothing is theirs any more
    results = await service.results(qid)
    assert len(await service.answers_of(b)) == 2  # another person's answers untouched
    await uow.rollback()
    scale, yes_no, _choice, free = results.questions
    assert (scale.answers, scale.mean) == (2, 4.0)  # still counted
    assert [(o.label, o.count) for o in yes_no.options] == [("yes", 1), ("no", 0)]
    assert results.respondents == 2  # the withdrawn person still counts once
    assert free.answers == 2 and free.texts == ("Всё хорошо",)


async def test_152fz_st5_ch7_answers_past_their_period_are_released_and_still_counted(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, tmp_path: Path
) -> None:
    """A person's answers to a questionnaire go together, a year after the last of them: no
    longer theirs (one stand-in per person and questionnaire), free texts erased, the
    results as they were; a dry run counts exactly what the run releases."""
    first = await _sent(sessionmaker, clock, "Годовой")
    second = await _sent(sessionmaker, clock, "Второй")
    a, b, c = PEOPLE
    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    for person, position, value, text in (
        (a, 0, 5, None),
        (a, 1, 1, None),
        (a, 3, None, "Я Иванов из дома 5"),
        (b, 0, 3, None),
        (b, 3, None, "Всё хорошо"),  # answered later: b's answers stay
        (c, 0, 2, None),
    ):
        await service.answer(person, first, position, value=value, text=text)
    await service.answer(c, second, 0, value=4)
    old = clock.now() - timedelta(days=400)
    await uow.session.execute(
        update(QuestionnaireAnswerRow)
        .where(~((QuestionnaireAnswerRow.user_id == b) & (QuestionnaireAnswerRow.position == 3)))
        .values(answered_at=old)
    )
    await uow.commit()
    uow = UnitOfWork(sessionmaker, clock=clock)
    before = await _service(uow, clock).results(first)
    await uow.rollback()

    later = FixedClock(clock.now())
    retention = RetentionService(
        store=SqlRetention(sessionmaker),
        files=FolderFileStore(tmp_path),
        policy=RetentionPolicy.default(),
        clock=later,
        batch=2,  # a's three answers straddle two batches: they still go together
    )
    dry = await retention.run(dry_run=True)
    assert dry.counts[DataCategory.QUESTIONNAIRES] == 5  # a's 3, c's 2 (two questionnaires)
    done = await retention.run(dry_run=False)
    assert done.counts[DataCategory.QUESTIONNAIRES] == 5
    assert (await retention.run(dry_run=False)).counts[DataCategory.QUESTIONNAIRES] == 0

    uow = UnitOfWork(sessionmaker, clock=clock)
    service = _service(uow, clock)
    after = await service.results(first)
    assert await service.answers_of(a) == [] and await service.answers_of(c) == []
    assert len(await service.answers_of(b)) == 2
    stand_ins = (
        await uow.session.execute(
            select(QuestionnaireAnswerRow.questionnaire_id, QuestionnaireAnswerRow.user_id)
            .where(QuestionnaireAnswerRow.user_id < 0)
            .distinct()
        )
    ).all()
    await uow.rollback()
    assert len(stand_ins) == 3  # a in the first; c in the first and in the second
    assert after.respondents == before.respondents == 3
    scale, yes_no, _choice, free = after.questions
    assert (scale.answers, scale.mean) == (before.questions[0].answers, before.questions[0].mean)
    assert [(o.label, o.count) for o in yes_no.options] == [("yes", 1), ("no", 0)]
    assert free.answers == 2 and free.texts == ("Всё хорошо",)
