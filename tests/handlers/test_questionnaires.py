"""Questionnaires (regulation §19.17–19.18) through the real dispatcher: a head composes one
in the staff chat with buttons, sends it to a topic's subscribers through the notices, people
answer all four kinds of question in the chat, and the results per question are right; a
double press counts once; bad input keeps the step. The clock stands at 10:00 Moscow,
outside quiet hours; `harness.deliver()` runs the notice fan-out and the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from sqlalchemy import func, insert, select

from bot.settings import Settings
from core.texts import Texts
from domain.clock import FixedClock
from domain.content import ContentLibrary
from domain.questionnaires import QuestionKind, QuestionnaireStatus
from domain.staff import StaffRole
from domain.subscriptions import Topic
from notifier.questionnaire_texts import ResultTexts
from storage.models import (
    NoticePreferenceRow,
    QuestionnaireAnswerRow,
    QuestionnaireRow,
    StaffAuditRow,
)
from storage.questionnaires import SqlQuestionnaireStore
from storage.uow import UnitOfWork
from tests.handlers.conftest import consented
from tests.handlers.staff_notice_helpers import _head, _member, _staff_texts, _to
from tests.harness import STAFF_CHAT_ID, BotHarness, Person, StaffPerson


@pytest_asyncio.fixture
async def harness(
    engine: Any, settings: Settings, clock: FixedClock, texts: Texts, content: ContentLibrary
) -> AsyncIterator[BotHarness]:
    staff_settings = settings.with_values(staff_chat_id=STAFF_CHAT_ID)
    bot_harness = await BotHarness.start(staff_settings, clock=clock, texts=texts, content=content)
    yield bot_harness
    await bot_harness.close()


def _sent_to(calls: list[TelegramMethod[Any]], chat_id: int) -> list[str]:
    return [str(c.text) for c in calls if isinstance(c, SendMessage) and int(c.chat_id) == chat_id]


def _toasts(calls: list[TelegramMethod[Any]]) -> list[str | None]:
    return [c.text for c in calls if isinstance(c, AnswerCallbackQuery)]


def _kind(texts: Texts, kind: QuestionKind) -> str:
    return texts.get(f"quest-staff-add-{kind.value.replace('_', '-')}")


async def _add(
    staff: StaffPerson, harness: BotHarness, texts: Texts, kind: QuestionKind, text: str
) -> None:
    await staff.press(_kind(texts, kind))
    await harness.deliver()
    await staff.send(text)
    await harness.deliver()


async def _latest_id(harness: BotHarness) -> int:
    async with harness.app.sessionmaker() as session:
        return int(await session.scalar(select(func.max(QuestionnaireRow.id))) or 0)


async def _compose(
    harness: BotHarness, texts: Texts, staff: StaffPerson, *, audience: int = 2
) -> int:
    """Title and the four kinds of question, a refused option list on the way; then
    «Готово», the tariff topic and «Отправить»."""
    await staff.send("/questionnaire")
    assert _staff_texts(await harness.deliver()) == [texts.get("quest-staff-ask-title")]
    await staff.send("Качество обслуживания")
    draft = _staff_texts(await harness.deliver())
    assert "Качество обслуживания" in draft[0]
    qid = await _latest_id(harness)
    await _add(staff, harness, texts, QuestionKind.SCALE_1_5, "Как вы оцениваете приёмную?")
    await _add(staff, harness, texts, QuestionKind.YES_NO, "Ваш вопрос решён?")
    await _add(staff, harness, texts, QuestionKind.CHOICE, "Как вы к нам обращались?")
    # One option is not a choice: refused, and the step stays at the options.
    await staff.send("Телефон")
    refused = _staff_texts(await harness.deliver())
    assert refused == [texts.get("quest-error-options", min=2, max=6, length=60)]
    await staff.send("Телефон\nЛично\nЧерез бот")
    menu = _staff_texts(await harness.deliver())
    assert "Через бот" in menu[0]
    await _add(staff, harness, texts, QuestionKind.FREE_TEXT, "Что нам улучшить?")
    await staff.press(texts.get("quest-staff-done"))
    preview = _staff_texts(await harness.deliver())
    assert "Вопрос 4 из 4" in preview[0]
    await staff.press(texts.get(f"settings-topic-{Topic.TARIFF.value}"))
    ready = _staff_texts(await harness.deliver())
    assert ready == [
        texts.get(
            "quest-staff-ready",
            id=qid,
            topic=texts.plain(f"settings-topic-{Topic.TARIFF.value}"),
            count=audience,
        )
    ]
    await staff.press(texts.get("quest-staff-send"))
    return qid


async def _answer_buttons(person: Person, texts: Texts, *labels: str) -> None:
    for label in labels:
        await person.press(label)


async def test_composed_questionnaire_is_sent_to_subscribers_answered_and_counted(
    harness: BotHarness, texts: Texts
) -> None:
    maria = await consented(harness, texts, 7_000_001)
    sergey = await consented(harness, texts, 7_000_002)
    olga = await consented(harness, texts, 7_000_003)
    await olga.send("/settings")  # olga turns tariff news off: she is skipped
    await olga.press(
        texts.get(
            "settings-topic", mark="on", name=texts.get(f"settings-topic-{Topic.TARIFF.value}")
        )
    )
    await harness.deliver()
    ivan = await consented(harness, texts, 7_000_004)  # ivan blocked the bot: skipped
    async with harness.app.sessionmaker() as session:
        await session.execute(
            insert(NoticePreferenceRow).values(
                user_id=ivan.user.id,
                stopped=False,
                blocked_at=harness.app.clock.now(),
                updated_at=harness.app.clock.now(),
            )
        )
        await session.commit()
    staff = await _head(harness)

    qid = await _compose(harness, texts, staff)
    delivered = await harness.deliver()
    first_maria = _to(delivered, maria)
    assert len(first_maria) == 1 and "Качество обслуживания" in first_maria[0]
    assert "Вопрос 1 из 4" in first_maria[0]
    assert len(_to(delivered, sergey)) == 1
    assert _to(delivered, olga) == [] and _to(delivered, ivan) == []
    assert [label for label, _, _ in maria.last_inline] == ["1", "2", "3", "4", "5"]

    # Maria: 4, a double press of it, yes, «Лично», then her own words.
    first_question = list(maria.last_inline)
    calls = await maria.press("4")
    assert _toasts(calls) == [texts.get("quest-recorded")]
    assert any("Вопрос 2 из 4" in t for t in _sent_to(calls, maria.chat.id))
    second_question = list(maria.last_inline)
    maria.last_inline = first_question  # the same button again (a new update)
    calls = await maria.press("4")
    assert _toasts(calls) == [texts.get("quest-already")]
    assert _sent_to(calls, maria.chat.id) == []
    calls = await maria.press("1")  # another value for the answered question: no change
    assert _toasts(calls) == [texts.get("quest-already")]
    maria.last_inline = second_question
    await _answer_buttons(maria, texts, texts.get("quest-yes"), "Лично")
    calls = await maria.send("Больше часов приёма по субботам")
    thanks = _to(await harness.deliver(), maria)
    assert thanks == [texts.get("quest-thanks", title="Качество обслуживания")]
    # Another text after the end is no answer any more (the search takes it).
    await maria.send("ещё одно")
    # /mydata lists her answers (152-ФЗ ст. 14).
    mydata = "\n".join(_sent_to(await maria.send("/mydata"), maria.chat.id))
    assert texts.get("mydata-questionnaires", count=4) in mydata
    assert (
        texts.get(
            "mydata-questionnaire-answer",
            date="24.11.2026 10:00",
            title="Качество обслуживания",
            question="Ваш вопрос решён?",
            answer=texts.get("quest-yes"),
        )
        in mydata
    )
    assert "Больше часов приёма по субботам" in mydata

    # Sergey: 2, no, «Телефон»; a too long free text is refused and he stays at it.
    await _answer_buttons(sergey, texts, "2", texts.get("quest-no"), "Телефон")
    await sergey.send("я" * 1001)
    refusal = _to(await harness.deliver(), sergey)
    assert refusal == [texts.get("error-too-long", field="answer", limit=1000, length=1001)]
    await sergey.send("Нормально")
    assert _to(await harness.deliver(), sergey) == [
        texts.get("quest-thanks", title="Качество обслуживания")
    ]

    uow = UnitOfWork(harness.app.sessionmaker, clock=harness.app.clock)
    store = SqlQuestionnaireStore(uow)
    questionnaire = await store.get(qid)
    assert questionnaire is not None and questionnaire.status is QuestionnaireStatus.SENT
    results = await store.results(questionnaire)
    await uow.rollback()
    assert (results.recipients, results.respondents) == (2, 2)
    scale, yes_no, choice, free = results.questions
    assert scale.answers == 2 and scale.mean == 3.0
    assert [o.count for o in scale.options] == [0, 1, 0, 1, 0]
    assert [(o.label, o.count) for o in yes_no.options] == [("yes", 1), ("no", 1)]
    assert [(o.label, o.count) for o in choice.options] == [
        ("Телефон", 1),
        ("Лично", 1),
        ("Через бот", 0),
    ]
    assert free.texts == ("Больше часов приёма по субботам", "Нормально")
    async with harness.app.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(QuestionnaireAnswerRow))
    assert count == 8

    # The results in the staff chat, per question.
    await staff.send(f"/questionnaire results {qid}")
    shown = _staff_texts(await harness.deliver())
    assert shown == [ResultTexts(texts).results(results)]
    assert texts.get("quest-results-mean", mean="3.00") in shown[0]

    # Closed: no more answers.
    await staff.send(f"/questionnaire close {qid}")
    assert texts.get("quest-staff-closed", id=qid) in _staff_texts(await harness.deliver())[0]


async def test_a_person_it_was_not_sent_to_cannot_answer_and_a_specialist_cannot_compose(
    harness: BotHarness, texts: Texts
) -> None:
    maria = await consented(harness, texts, 7_000_001)
    staff = await _head(harness)
    await _compose(harness, texts, staff, audience=1)
    await harness.deliver()
    stranger = await consented(harness, texts, 7_000_009)  # consented after the sending
    stranger.last_inline = list(maria.last_inline)
    calls = await stranger.press("5")
    assert _toasts(calls) == [texts.get("quest-error-not-recipient")]

    specialist = await _member(harness, StaffRole.SPECIALIST, 8_000_002, "Иван")
    await specialist.send("/questionnaire")
    refused = _staff_texts(await harness.deliver())
    assert refused and texts.get("quest-staff-ask-title") not in refused
    async with harness.app.sessionmaker() as session:
        outcomes = (
            await session.execute(
                select(StaffAuditRow.action, StaffAuditRow.outcome).where(
                    StaffAuditRow.user_id == 8_000_002
                )
            )
        ).all()
    assert [(str(a), str(o)) for a, o in outcomes] == [("questionnaire_compose", "refused")]


async def test_a_free_text_first_question_and_a_questionnaire_closed_while_typing(
    harness: BotHarness, texts: Texts
) -> None:
    maria = await consented(harness, texts, 7_000_001)
    staff = await _head(harness)
    await staff.send("/questionnaire")
    await staff.send("Пожелания")
    await harness.deliver()
    qid = await _latest_id(harness)
    await _add(staff, harness, texts, QuestionKind.FREE_TEXT, "Что нам улучшить?")
    await _add(staff, harness, texts, QuestionKind.FREE_TEXT, "Что ещё?")
    await staff.press(texts.get("quest-staff-done"))
    await harness.deliver()
    await staff.press(texts.get(f"settings-topic-{Topic.TARIFF.value}"))
    await harness.deliver()
    await staff.press(texts.get("quest-staff-send"))
    first = _to(await harness.deliver(), maria)
    assert len(first) == 1 and "Что нам улучшить?" in first[0]
    assert [label for label, _, _ in maria.last_inline] == [texts.get("quest-write")]

    calls = await maria.press(texts.get("quest-write"))
    assert _sent_to(calls, maria.chat.id) == [texts.get("quest-write-now")]
    calls = await maria.send("Сайт")
    assert any("Что ещё?" in t for t in _sent_to(calls, maria.chat.id))

    # Closed while she types the second: told so, and her next text is no answer.
    await staff.send(f"/questionnaire close {qid}")
    await harness.deliver()
    await maria.send("Ничего")
    assert _to(await harness.deliver(), maria) == [texts.get("quest-error-closed")]
    async with harness.app.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(QuestionnaireAnswerRow))
    assert count == 1
